/// Where a rotation is. Raw values are what a SecretRotation's `status.phase` holds; KeywardAPI's `RotationPhase`
/// is this type, so the table below is the only one.
///
/// The phase is the only resumption point a restarted controller has, so each phase is defined by what is already
/// durable when it is entered (the candidate value always lives in the Secret, never in status or the persisted
/// state; its hash in ``RotationState/candidateHash`` lets a restarted controller recognise it) and what its
/// handler does next. Every handler must be idempotent: re-running a phase after a crash finishes it or moves on.
///
/// Transitions (``successors`` is the same table in code):
///
/// | from        | to                                                                                     |
/// |-------------|----------------------------------------------------------------------------------------|
/// | Idle        | Generating (schedule due, manual rotate); RollingBack (manual rollback)                |
/// | Generating  | Verifying (verify set); Promoting (no verify); RollingBack (cleanup); Failed           |
/// | Verifying   | Promoting (passed); RollingBack (failed: discard the candidate)                        |
/// | Promoting   | Migrating (consumers); Finalizing (no consumers); RollingBack                          |
/// | Migrating   | Finalizing (all rolled out, or timeout + promote); RollingBack (timeout + rollback)    |
/// | Finalizing  | Idle                                                                                   |
/// | RollingBack | Idle (manual rollback done); Failed (after a failed verification or migration)         |
/// | Failed      | Generating (nextRetryTime passed, manual rotate); Idle (spec changed, suspend)         |
///
/// Path per strategy (Verifying only with `spec.verify`, Migrating only with consumers):
/// - immediate: Generating writes `KEY.pending`; Promoting replaces KEY and drops `KEY.pending` in one update.
/// - staged: Generating writes `KEY.pending`; Promoting sets KEY = new, `KEY.previous` = old, drops `KEY.pending`.
/// - dualWrite: as staged; Finalizing removes `KEY.previous` once consumers migrated (or the timeout policy says).
/// - blueGreen: Generating writes the inactive side (`KEY.blue` or `KEY.green`); Promoting flips `active` and
///   copies the side into KEY in one update.
public enum Phase: String, Sendable, Hashable, CaseIterable, Codable {
    /// Nothing in flight. The Secret holds only committed values: KEY, plus `KEY.previous` for staged (kept until
    /// the next promotion) and the two sides and marker for blueGreen; never `KEY.pending`.
    /// Leaves when `nextRotationTime` passes, a manual rotate arrives, or (blueGreen) a manual rollback arrives.
    case idle = "Idle"
    /// Producing the candidate and persisting it in the Secret (`KEY.pending`, or the inactive blue/green side)
    /// together with `status.candidateHash`. Re-entry after a crash reuses a persisted candidate whose hash matches
    /// instead of generating another, so nothing ever depends on a value that was lost.
    case generating = "Generating"
    /// Running `spec.verify` (HTTP check and/or Job) against the persisted candidate. Pass → Promoting; fail →
    /// RollingBack (the candidate is discarded; the current value was never touched).
    case verifying = "Verifying"
    /// Making the verified candidate the value consumers read, in one Secret update (layout per strategy). Only
    /// entered with a verified (or verification-free) candidate: never promotes an unverified value.
    case promoting = "Promoting"
    /// Rolling consumer workloads onto the new revision (pod-template annotation), at most
    /// `consumers.maxConcurrentRollouts` at a time, waiting for each rollout like `kubectl rollout status`.
    /// All rolled out → Finalizing; `strategy.migrationTimeout` passes → Finalizing (`onMigrationTimeout: promote`)
    /// or RollingBack (`rollback`).
    case migrating = "Migrating"
    /// Cleaning up: removing `KEY.pending`/`KEY.previous` as the strategy says, appending history, computing the
    /// next rotation time. → Idle.
    case finalizing = "Finalizing"
    /// Restoring the previous committed value (blueGreen: flipping `active` back; others: KEY = `KEY.previous`,
    /// or just dropping `KEY.pending` when nothing was promoted) and rolling consumers back if they had moved.
    /// → Idle after a manual rollback, Failed after a failed verification or migration timeout.
    case rollingBack = "RollingBack"
    /// The last attempt failed and its cleanup is complete: committed values are intact, Ready=False says why, and
    /// `status.nextRetryTime` says when Generating is tried again (a manual rotate retries at once).
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

    /// Whether a rotation is in flight (the `Rotating` condition is True).
    public var isInProgress: Bool {
        switch self {
        case .idle, .failed: false
        default: true
        }
    }
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
