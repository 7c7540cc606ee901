import Foundation

/// The result of checking a candidate against the service that will use it.
public enum VerificationOutcome: Sendable, Hashable {
    case passed
    /// `reason` is shown in status and Events: it must name what failed (a status code, a timeout), never a value.
    case failed(reason: String)
    /// Not decided yet (a verification Job still running): check again by `until`; the phase stays Verifying.
    case pending(until: Date)
}

/// Something that happened during a run, reported with the state persisted after it (for conditions, Events,
/// metrics and history). Never carries a secret value.
public enum RotationEvent: Sendable, Hashable {
    /// First values were written for keys that had none.
    case provisioned(keys: [String])
    /// A rotation began (`manual`: a user asked for it).
    case rotationStarted(manual: Bool)
    /// A generator failed mid-rotation (`reason` names the setting, never a value).
    case generationFailed(reason: String)
    /// The candidate is in the Secret.
    case candidateWritten
    case verificationPassed
    case verificationFailed(reason: String)
    /// The candidate is live at `revision`.
    case promoted(revision: Int)
    /// Migrating progress: `rolledOut` were stamped just now.
    case migration(MigrationDecision, rolledOut: [String])
    /// The rotation finished at `revision`; `timedOut` when promoted despite a migration timeout.
    case finalized(revision: Int, timedOut: Bool)
    /// A user asked for a rollback and it started.
    case rollbackStarted
    /// A user asked for a rollback that cannot run.
    case rollbackUnavailable(RotationMachine.RollbackUnavailable)
    /// RollingBack finished.
    case rolledBack(RotationMachine.RollbackEffect, cause: RotationCause, revision: Int)
    /// A failed rotation is being retried.
    case retrying(attempt: Int)
}

/// The I/O a ``RotationRunner`` needs, implemented over a Kubernetes `ResourceStore` by the controller and in
/// memory by tests. Writes must be durable when they return: the runner's ordering guarantees rest on it.
public protocol RotationEnvironment: AnyObject {
    var now: Date { get }
    /// Replaces the rotated part of the Secret's data with `data` (creating the Secret if needed).
    func writeSecret(_ data: [String: Data]) async throws
    /// Persists `state` (status) together with what led to it.
    func writeState(_ state: RotationState, events: [RotationEvent]) async throws
    /// Checks the candidate (values keyed by plain value key).
    func verify(_ candidate: [String: Data]) async throws -> VerificationOutcome
    /// The consumers now, in rollout order.
    func observeConsumers() async throws -> [ConsumerObservation]
    /// Sets `stamp` on the consumers' pod templates (starting their rollouts).
    func stamp(_ consumers: [String], with stamp: String) async throws
}

/// Why a run could not proceed.
public enum RotationRunError: Error, Sendable, Hashable, CustomStringConvertible {
    /// First values could not be generated (a generator setting validation did not catch).
    case provisioningFailed(reason: String)

    public var description: String {
        switch self {
        case .provisioningFailed(let reason): "cannot generate first values: \(reason)"
        }
    }
}
