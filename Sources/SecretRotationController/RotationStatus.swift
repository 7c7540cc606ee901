import Foundation
import KeywardAPI
import KubernetesClient
import RotationStrategies

/// Mapping between the state machine's ``RotationState`` and `SecretRotation.Status`.
///
/// The status has no field for the rollback cause, so it lives where users read it anyway: the `Rotating`
/// condition's reason while RollingBack, Finalizing (MigrationTimedOut after a promote-on-timeout) and Failed.
enum RotationStatus {
    static func state(from status: SecretRotation.Status?) -> RotationState {
        guard let status else { return RotationState() }
        let phase = status.phase ?? .idle
        var cause: RotationCause?
        if [.rollingBack, .finalizing, .failed].contains(phase),
            let reason = status.conditions[type: SecretRotation.ConditionType.rotating]?.reason
        {
            cause = RotationCause(rawValue: reason)
        }
        return RotationState(phase: phase, phaseEnteredAt: status.phaseTransitionTime, revision: status.revision ?? 0,
                             candidateHash: status.candidateHash, cause: cause,
                             failedAttempts: status.failedAttempts ?? 0, nextRetryTime: status.nextRetryTime,
                             lastRotationTime: status.lastRotationTime)
    }

    /// Writes the machine state into `status` (conditions are done by the caller, which knows the events).
    static func apply(_ state: RotationState, to status: inout SecretRotation.Status) {
        status.phase = state.phase
        status.phaseTransitionTime = state.phaseEnteredAt
        status.revision = state.revision > 0 ? state.revision : nil
        status.candidateHash = state.candidateHash
        status.failedAttempts = state.failedAttempts > 0 ? state.failedAttempts : nil
        status.nextRetryTime = state.phase == .failed ? state.nextRetryTime : nil
        status.lastRotationTime = state.lastRotationTime
    }

    /// The `Rotating` condition's (status, reason) for a state; the reason doubles as the persisted cause.
    static func rotating(_ state: RotationState) -> (Condition.Status, String) {
        typealias R = SecretRotation.Reason
        switch state.phase {
        case .idle: return (.false, R.idle)
        case .failed: return (.false, state.cause?.rawValue ?? "Failed")
        case .generating: return (.true, R.generating)
        case .verifying: return (.true, R.verifying)
        case .promoting: return (.true, R.promoting)
        case .migrating: return (.true, R.migrating)
        case .finalizing: return (.true, state.cause == .migrationTimedOut ? R.migrationTimedOut : R.rotated)
        case .rollingBack: return (.true, (state.cause ?? .manualRollback).rawValue)
        }
    }

    /// Kubernetes timestamps are whole seconds; comparing unrounded dates would rewrite status on every reconcile.
    static func seconds(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }

    static func format(_ date: Date) -> String { KubeTime.format(date) }
}
