import Foundation

/// The rotation state machine: pure functions from (persisted state, Secret data, observations) to the next
/// state and Secret data. A controller performs the I/O in between (generating values, verification, stamping
/// workloads) and persists each result, Secret first when both change, so that:
///
/// - a candidate is in the Secret, with its hash in the state, before anything depends on it;
/// - only a candidate that passed Verifying (or needs none) reaches Promoting, and Promoting promotes only the
///   candidate whose hash the state holds;
/// - every step is idempotent, so re-running the persisted phase after a crash finishes it or moves on, and no
///   sequence of crashes loses both the committed value and the candidate.
public struct RotationMachine: Sendable, Hashable {
    public typealias SecretData = [String: Data]

    /// A step's result: the Secret data to write first (nil: unchanged), then the state to persist.
    public struct Step: Sendable, Hashable {
        public var data: SecretData?
        public var state: RotationState

        public init(data: SecretData?, state: RotationState) {
            self.data = data
            self.state = state
        }
    }

    /// Why a requested rollback cannot run.
    public enum RollbackUnavailable: Error, Sendable, Hashable, CustomStringConvertible {
        /// Immediate keeps no previous value.
        case strategyKeepsNoPrevious(StrategyKind)
        /// The layout keeps one, but there is none now (first revision, or dualWrite after finalizing).
        case noPreviousValue
        /// Finalizing cannot be interrupted; the request is handled once the rotation is idle.
        case finalizing

        public var description: String {
            switch self {
            case .strategyKeepsNoPrevious(let s): "strategy \(s.rawValue) keeps no previous value to roll back to"
            case .noPreviousValue: "there is no previous value to roll back to"
            case .finalizing: "the rotation is finalizing; roll back once it is idle"
            }
        }
    }

    public var policy: RotationPolicy
    public var layout: StrategyLayout
    /// How candidate hashes are made and compared (keyed by the operator; plain in tests).
    public var hasher: ValuesHasher

    public init(policy: RotationPolicy, valueKeys: [String], hasher: ValuesHasher = .unkeyed) {
        self.policy = policy
        self.layout = StrategyLayout(strategy: policy.strategy, valueKeys: valueKeys)
        self.hasher = hasher
    }

    // MARK: Idle

    /// First values for keys that have none, written directly (nothing can depend on a value that does not
    /// exist yet, so there is nothing to verify or migrate). nil when every key has a value.
    public func provision(_ state: RotationState, data: SecretData, fresh: SecretData, now: Date) -> Step? {
        guard !layout.missingKeys(in: data).isEmpty else { return nil }
        var next = state
        next.revision = max(state.revision, 1)
        if next.lastRotationTime == nil { next.lastRotationTime = now }
        return Step(data: layout.provisioning(fresh, into: data), state: next)
    }

    /// Idle housekeeping: the Secret brought into the layout (nil when it already is).
    public func tidy(_ data: SecretData) -> SecretData? {
        let normalized = layout.normalized(data)
        return normalized == data ? nil : normalized
    }

    /// Idle or Failed → Generating.
    public func beginRotation(_ state: RotationState, now: Date) -> RotationState {
        var next = state
        if next.phase == .failed || next.phase == .idle { next.enter(.generating, at: now) }
        next.candidateHash = nil
        next.cause = nil
        return next
    }

    /// A manual rollback: from Idle/Failed it restores the previous committed value; mid-rotation it abandons the
    /// candidate (restoring the previous value if the candidate was already promoted).
    public func beginRollback(_ state: RotationState, data: SecretData,
                              now: Date) -> Result<RotationState, RollbackUnavailable> {
        var next = state
        switch state.phase {
        case .finalizing: return .failure(.finalizing)
        case .rollingBack: return .success(state)
        case .idle, .failed:
            guard policy.strategy.keepsPreviousValue else { return .failure(.strategyKeepsNoPrevious(policy.strategy)) }
            guard let committed = layout.committed(in: data), layout.previous(in: data) != nil else {
                return .failure(.noPreviousValue)
            }
            if state.phase == .failed { next.enter(.idle, at: now) }
            next.candidateHash = hasher.of(committed)
        case .generating, .verifying, .promoting, .migrating:
            if !policy.strategy.keepsPreviousValue, isPromoted(state, data) {
                return .failure(.strategyKeepsNoPrevious(policy.strategy))
            }
        }
        next.enter(.rollingBack, at: now)
        next.cause = .manualRollback
        return .success(next)
    }

    // MARK: Generating

    /// The candidate already in the Secret whose hash the state holds (a resumed Generating reuses it).
    public func persistedCandidate(_ state: RotationState, data: SecretData) -> SecretData? {
        guard let hash = state.candidateHash, let candidate = layout.candidate(in: data),
            hasher.matches(candidate, hash)
        else { return nil }
        return candidate
    }

    /// Records a freshly generated candidate's hash. Persist this *before* writing the candidate: the Secret's
    /// candidate slot then only ever holds nothing, the previous committed value (blueGreen) or a candidate whose
    /// hash is persisted, so no unverified value can be mistaken for a committed one.
    public func recordingCandidate(_ state: RotationState, _ candidate: SecretData) -> RotationState {
        var next = state
        next.candidateHash = hasher.of(candidate)
        return next
    }

    /// The Secret with the candidate in its slot.
    public func writingCandidate(_ candidate: SecretData, into data: SecretData) -> SecretData {
        layout.writingCandidate(candidate, into: data)
    }

    /// The candidate is durable: on to Verifying (with `spec.verify`) or Promoting.
    public func candidateWritten(_ state: RotationState, now: Date) -> RotationState {
        var next = state
        next.enter(policy.verifies ? .verifying : .promoting, at: now)
        return next
    }

    /// Generation failed (or the candidate vanished before promotion): clean up through RollingBack.
    public func abandon(_ state: RotationState, cause: RotationCause, now: Date) -> RotationState {
        var next = state
        next.enter(.rollingBack, at: now)
        next.cause = cause
        return next
    }

    // MARK: Verifying

    /// The candidate to verify: it must be the one the state's hash names. nil means it is gone (→ ``abandon``).
    public func candidateForVerification(_ state: RotationState, data: SecretData) -> SecretData? {
        persistedCandidate(state, data: data)
    }

    public func verificationPassed(_ state: RotationState, now: Date) -> RotationState {
        var next = state
        next.enter(.promoting, at: now)
        return next
    }

    /// The candidate is discarded; the committed value was never touched.
    public func verificationFailed(_ state: RotationState, now: Date) -> RotationState {
        abandon(state, cause: .verificationFailed, now: now)
    }

    // MARK: Promoting

    /// Whether the committed value is the state's candidate (promotion happened, perhaps before a crash).
    public func isPromoted(_ state: RotationState, _ data: SecretData) -> Bool {
        guard let hash = state.candidateHash, let committed = layout.committed(in: data) else { return false }
        return hasher.matches(committed, hash)
    }

    /// Promotes the verified candidate in one Secret update and bumps the revision. Idempotent: a candidate that is
    /// already live is not promoted twice (which would overwrite `KEY.previous` with the new value). When the
    /// candidate is gone the rotation is abandoned.
    public func promote(_ state: RotationState, data: SecretData, now: Date) -> Step {
        var next = state
        let written: SecretData?
        if isPromoted(state, data) {
            written = nil
        } else if persistedCandidate(state, data: data) != nil, let promoted = layout.promoting(data) {
            written = promoted
        } else {
            return Step(data: nil, state: abandon(state, cause: .candidateLost, now: now))
        }
        next.revision = state.revision.saturatingIncrement
        next.lastRotationTime = now
        next.enter(policy.tracksConsumers ? .migrating : .finalizing, at: now)
        return Step(data: written, state: next)
    }

    // MARK: Migrating

    /// The Migrating deadline.
    public func migrationDeadline(_ state: RotationState) -> Date {
        (state.phaseEnteredAt ?? .distantPast).addingTimeInterval(policy.migrationTimeout)
    }

    /// Decides the consumers to stamp and whether Migrating is over; returns the state to persist with it.
    public func migrate(_ state: RotationState, consumers: [ConsumerObservation], stamp: String,
                        now: Date) -> (decision: MigrationDecision, state: RotationState) {
        let decision = ConsumerMigration.decide(consumers: consumers, stamp: stamp,
                                                maxConcurrent: policy.maxConcurrentRollouts, now: now,
                                                deadline: migrationDeadline(state), policy: policy)
        var next = state
        switch decision.outcome {
        case .inProgress, .timedOutHold: break
        case .complete: next.enter(.finalizing, at: now)
        case .timedOutPromote:
            next.enter(.finalizing, at: now)
            next.cause = .migrationTimedOut
        case .timedOutRollback:
            next.enter(.rollingBack, at: now)
            next.cause = .migrationTimedOut
        }
        return (decision, next)
    }

    // MARK: Finalizing

    /// Cleans up per strategy and returns to Idle.
    public func finalize(_ state: RotationState, data: SecretData, now: Date) -> Step {
        let finalized = layout.finalizing(data)
        var next = state
        next.enter(.idle, at: now)
        next.candidateHash = nil
        next.cause = nil
        next.failedAttempts = 0
        next.nextRetryTime = nil
        return Step(data: finalized == data ? nil : finalized, state: next)
    }

    // MARK: RollingBack

    /// What a rollback step did to the Secret.
    public enum RollbackEffect: Sendable, Hashable {
        /// The candidate was never live; it was dropped (or there was nothing to drop).
        case discardedCandidate
        /// The previous committed value is live again.
        case restoredPrevious
        /// The candidate was live and there is no previous value to restore (immediate): it stays.
        case keptCandidate
    }

    /// Restores or discards, then ends in Idle (manual rollback) or Failed (with backoff). Idempotent: after the
    /// restore the committed value no longer matches the candidate hash, so a re-run only discards.
    public func rollBack(_ state: RotationState, data: SecretData,
                         now: Date) -> (step: Step, effect: RollbackEffect) {
        var out = data
        let effect: RollbackEffect
        if isPromoted(state, data) {
            if let restored = layout.restoringPrevious(data) {
                out = restored
                effect = .restoredPrevious
            } else {
                effect = .keptCandidate
            }
        } else {
            out = layout.discardingCandidate(data, candidateHash: state.candidateHash, hasher: hasher)
            effect = .discardedCandidate
        }
        var next = state
        if effect == .restoredPrevious { next.revision = state.revision.saturatingIncrement }
        let cause = state.cause ?? .manualRollback
        if cause.isFailure {
            next.enter(.failed, at: now)
            next.failedAttempts = state.failedAttempts + 1
            next.nextRetryTime = now.addingTimeInterval(policy.retryDelay(afterFailures: next.failedAttempts))
        } else {
            next.enter(.idle, at: now)
        }
        next.cause = cause
        next.candidateHash = nil
        return (Step(data: out == data ? nil : out, state: next), effect)
    }

    // MARK: Failed

    /// A failed rotation is retried at `nextRetryTime` (or at once on a manual rotate).
    public func retryDue(_ state: RotationState, now: Date) -> Bool {
        state.phase == .failed && (state.nextRetryTime.map { $0 <= now } ?? true)
    }
}
