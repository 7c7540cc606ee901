import Foundation

/// The persisted state of one rotation: what a controller writes to status and reads back after a restart.
/// Plain values only; never a secret value (``candidateHash`` is a keyed hash, see ``ValuesHasher``).
public struct RotationState: Sendable, Hashable, Codable {
    public var phase: Phase
    /// When ``phase`` was entered; the Migrating deadline counts from here.
    public var phaseEnteredAt: Date?
    /// The committed revision: 1 for the first values, +1 on every promotion and every restoring rollback.
    public var revision: Int
    /// ``ValuesHasher`` hash of the candidate (Generating → Promoting), or of the value being rolled back from.
    public var candidateHash: String?
    /// Why the rotation is RollingBack/Failed, or `migrationTimedOut` in Finalizing after a promote-on-timeout.
    public var cause: RotationCause?
    public var failedAttempts: Int
    public var nextRetryTime: Date?
    public var lastRotationTime: Date?

    public init(phase: Phase = .idle, phaseEnteredAt: Date? = nil, revision: Int = 0, candidateHash: String? = nil,
                cause: RotationCause? = nil, failedAttempts: Int = 0, nextRetryTime: Date? = nil,
                lastRotationTime: Date? = nil) {
        self.phase = phase
        self.phaseEnteredAt = phaseEnteredAt
        self.revision = revision
        self.candidateHash = candidateHash
        self.cause = cause
        self.failedAttempts = failedAttempts
        self.nextRetryTime = nextRetryTime
        self.lastRotationTime = lastRotationTime
    }

    /// Moves to `next`, checking the transition table: an illegal transition is a bug in the machine, and
    /// persisting it could promote an unverified value, so it stops the process rather than continue.
    public mutating func enter(_ next: Phase, at now: Date) {
        precondition(phase.canTransition(to: next), "illegal rotation transition \(phase.rawValue) → \(next.rawValue)")
        if next != phase { phaseEnteredAt = now }
        phase = next
    }
}
