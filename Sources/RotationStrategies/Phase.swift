/// Where a rotation is. Raw values are what `status.phase` holds (KeywardAPI's `RotationPhase` spells them the
/// same; a controller test keeps the two transition tables equal).
///
/// Each phase is defined by what is already durable when it is entered, so a restarted controller resumes from the
/// phase alone: the candidate value always lives in the Secret (never in the persisted state), and its hash in
/// ``RotationState/candidateHash`` lets the restarted controller recognise it.
public enum Phase: String, Sendable, Hashable, CaseIterable, Codable {
    case idle = "Idle"
    case generating = "Generating"
    case verifying = "Verifying"
    case promoting = "Promoting"
    case migrating = "Migrating"
    case finalizing = "Finalizing"
    case rollingBack = "RollingBack"
    case failed = "Failed"

    /// The phases this one may move to; ``RotationState/enter(_:at:)`` refuses anything else.
    public var successors: Set<Phase> {
        switch self {
        case .idle: [.generating, .rollingBack]
        case .generating: [.verifying, .promoting, .rollingBack, .failed]
        case .verifying: [.promoting, .rollingBack]
        case .promoting: [.migrating, .finalizing, .rollingBack]
        case .migrating: [.finalizing, .rollingBack]
        case .finalizing: [.idle]
        case .rollingBack: [.idle, .failed]
        case .failed: [.generating, .idle]
        }
    }

    public func canTransition(to next: Phase) -> Bool { next == self || successors.contains(next) }

    /// Whether a rotation is in flight.
    public var isInProgress: Bool { self != .idle && self != .failed }
}

/// Why a rotation is rolling back (or, in Finalizing, that it was promoted despite a migration timeout).
/// Raw values are condition reasons, which is where a controller persists them.
public enum RotationCause: String, Sendable, Hashable, CaseIterable, Codable {
    /// The candidate failed `spec.verify`: discarded, the committed value was never touched.
    case verificationFailed = "VerificationFailed"
    /// Consumers did not all roll out within `migrationTimeout`.
    case migrationTimedOut = "MigrationTimedOut"
    /// A user asked for a rollback (`keyward rotate --rollback`, the `keyward.dev/rollback` annotation).
    case manualRollback = "RolledBack"
    /// The generator could not produce a value.
    case generationFailed = "GenerationFailed"
    /// The candidate disappeared from the Secret (edited by hand) before it was promoted.
    case candidateLost = "CandidateLost"

    /// Whether the rotation ends in Failed (retried with backoff) rather than Idle.
    public var isFailure: Bool { self != .manualRollback }
}
