import Foundation
import SecretGenerators

/// Drives a ``RotationMachine`` through as many phases as it can without waiting, persisting every step through a
/// ``RotationEnvironment`` in the order that makes a crash at any point recoverable:
///
/// - Generating persists the candidate's hash, then writes the candidate, then enters Verifying/Promoting;
/// - Promoting and RollingBack are persisted as phases *before* their Secret updates, so a restart re-runs them
///   (each is idempotent) instead of mistaking a promoted value for a lost candidate;
/// - everything else writes the Secret first and the state second.
///
/// A run stops when the rotation is Idle, Failed, or waiting for consumer rollouts.
public struct RotationRunner: Sendable {
    public typealias SecretData = [String: Data]

    /// What the controller found that may start work.
    public struct Triggers: Sendable, Hashable {
        /// The schedule says a rotation is due (and the rotation is not suspended).
        public var scheduleDue: Bool
        /// Failed attempts may be retried once their backoff passes (not suspended).
        public var retriesAllowed: Bool
        /// An unhandled manual rotate request. A run always consumes it: it starts a rotation (bypassing a failed
        /// attempt's backoff), or the rotation already in flight satisfies it.
        public var manualRotate: Bool
        /// An unhandled manual rollback request.
        public var manualRollback: Bool

        public init(scheduleDue: Bool = false, retriesAllowed: Bool = true, manualRotate: Bool = false,
                    manualRollback: Bool = false) {
            self.scheduleDue = scheduleDue
            self.retriesAllowed = retriesAllowed
            self.manualRotate = manualRotate
            self.manualRollback = manualRollback
        }
    }

    /// Where a run stopped.
    public enum Stop: Sendable, Hashable {
        case idle
        /// Failed; retried at `retryAt`.
        case failed(retryAt: Date)
        /// Migrating or a pending verification: check again by `until`.
        case waiting(until: Date)
        /// The step budget ran out (a bug, or a pathological environment); the caller requeues.
        case stepLimit
    }

    public var machine: RotationMachine
    public var keys: [RotatedKey]
    /// How often Migrating re-checks rollouts when nothing else wakes it.
    public var rolloutPollInterval: TimeInterval

    public init(policy: RotationPolicy, keys: [RotatedKey], rolloutPollInterval: TimeInterval = 5,
                hasher: ValuesHasher = .unkeyed) {
        self.machine = RotationMachine(policy: policy, valueKeys: keys.flatMap(\.valueKeys), hasher: hasher)
        self.keys = keys
        self.rolloutPollInterval = rolloutPollInterval
    }

    /// Runs from `state` over the Secret's current `data` (nil: no Secret yet). Returns where it stopped and the
    /// last persisted state.
    public func run(state initial: RotationState, data initialData: SecretData?, triggers: Triggers,
                    environment env: some RotationEnvironment,
                    maxSteps: Int = 32) async throws -> (stop: Stop, state: RotationState) {
        var state = initial
        var data = initialData ?? [:]
        var events: [RotationEvent] = []
        var rollbackPending = triggers.manualRollback
        var rotatePending = triggers.manualRotate
        var schedulePending = triggers.scheduleDue  // one scheduled rotation per run, however fast it finishes

        func persist(_ next: RotationState) async throws {
            try await env.writeState(next, events: events)
            events = []
            state = next
        }
        func write(_ next: SecretData) async throws {
            try await env.writeSecret(next)
            data = next
        }

        for _ in 0..<maxSteps {
            let now = env.now
            if rollbackPending {
                switch machine.beginRollback(state, data: data, now: now) {
                case .success(let next):
                    rollbackPending = false
                    if next != state {
                        events.append(.rollbackStarted)
                        try await persist(next)
                        continue
                    }
                case .failure(.finalizing):
                    break  // handled once idle, later in this run
                case .failure(let reason):
                    rollbackPending = false
                    events.append(.rollbackUnavailable(reason))
                    try await persist(state)
                }
            }

            if state.phase.isInProgress {
                // A trigger that arrives mid-rotation is satisfied by the rotation in flight, not queued behind it.
                schedulePending = false
                rotatePending = false
            }
            switch state.phase {
            case .idle, .failed:
                if let step = try await provision(state, data: data, now: now) {
                    events.append(.provisioned(keys: machine.layout.missingKeys(in: data)))
                    try await write(step.data!)
                    try await persist(step.state)
                    continue
                }
                if state.phase == .idle, let tidy = machine.tidy(data) { try await write(tidy) }
                let retry = state.phase == .failed && triggers.retriesAllowed && machine.retryDue(state, now: now)
                let scheduled = state.phase == .idle && schedulePending
                guard rotatePending || retry || scheduled else {
                    if state.phase == .failed {
                        return (.failed(retryAt: state.nextRetryTime ?? now), state)
                    }
                    return (.idle, state)
                }
                if state.phase == .failed { events.append(.retrying(attempt: state.failedAttempts + 1)) }
                events.append(.rotationStarted(manual: rotatePending))
                rotatePending = false
                schedulePending = false
                state = machine.beginRotation(state, now: now)  // persisted with the candidate's hash

            case .generating:
                if machine.persistedCandidate(state, data: data) != nil {
                    events.append(.candidateWritten)
                    try await persist(machine.candidateWritten(state, now: now))
                    continue
                }
                let candidate: SecretData
                do { candidate = try await RotatedKey.generateAllOffloaded(keys) } catch {
                    events.append(.generationFailed(reason: "\(error)"))
                    try await persist(machine.abandon(state, cause: .generationFailed, now: now))
                    continue
                }
                try await persist(machine.recordingCandidate(state, candidate))
                try await write(machine.writingCandidate(candidate, into: data))
                events.append(.candidateWritten)
                try await persist(machine.candidateWritten(state, now: now))

            case .verifying:
                guard let candidate = machine.candidateForVerification(state, data: data) else {
                    try await persist(machine.abandon(state, cause: .candidateLost, now: now))
                    continue
                }
                switch try await env.verify(candidate) {
                case .passed:
                    events.append(.verificationPassed)
                    try await persist(machine.verificationPassed(state, now: env.now))
                case .failed(let reason):
                    events.append(.verificationFailed(reason: reason))
                    try await persist(machine.verificationFailed(state, now: env.now))
                case .pending(let until):
                    if !events.isEmpty { try await persist(state) }
                    return (.waiting(until: until), state)
                }

            case .promoting:
                let step = machine.promote(state, data: data, now: now)
                if let written = step.data { try await write(written) }
                if step.state.phase != .rollingBack { events.append(.promoted(revision: step.state.revision)) }
                try await persist(finishingAtOnce(step.state, data: data, now: now, events: &events))

            case .migrating:
                guard let hash = state.candidateHash else {
                    // Nothing identifies the new revision (status edited by hand): finish without migrating.
                    var next = state
                    next.enter(.finalizing, at: now)
                    try await persist(next)
                    continue
                }
                let stamp = ValuesHash.revisionStamp(valuesHash: hash)
                let consumers = try await env.observeConsumers()
                let (decision, next) = machine.migrate(state, consumers: consumers, stamp: stamp, now: now)
                if !decision.toRollOut.isEmpty { try await env.stamp(decision.toRollOut, with: stamp) }
                events.append(.migration(decision, rolledOut: decision.toRollOut))
                try await persist(finishingAtOnce(next, data: data, now: now, events: &events))
                if next.phase == .migrating {
                    let deadline = machine.migrationDeadline(next)
                    let poll = now.addingTimeInterval(rolloutPollInterval)
                    return (.waiting(until: deadline > now ? min(deadline, poll) : poll), state)
                }

            case .finalizing:
                let step = machine.finalize(state, data: data, now: now)
                if let written = step.data { try await write(written) }
                events.append(.finalized(revision: step.state.revision, timedOut: state.cause == .migrationTimedOut))
                try await persist(step.state)

            case .rollingBack:
                let fromStamp = state.candidateHash.map { ValuesHash.revisionStamp(valuesHash: $0) }
                let cause = state.cause ?? .manualRollback
                let (step, effect) = machine.rollBack(state, data: data, now: now)
                if let written = step.data { try await write(written) }
                if machine.policy.tracksConsumers, let fromStamp, let committed = machine.layout.committed(in: data) {
                    // Consumers already moved to the abandoned revision go back (not throttled: the value they were
                    // moved to is no longer served). Runs on every pass, so a crash after the restore still does it.
                    let toStamp = ValuesHash.revisionStamp(valuesHash: machine.hasher.of(committed))
                    if toStamp != fromStamp {
                        let moved = try await env.observeConsumers().filter { $0.stamp == fromStamp }.map(\.id)
                        if !moved.isEmpty { try await env.stamp(moved, with: toStamp) }
                    }
                }
                events.append(.rolledBack(effect, cause: cause, revision: step.state.revision))
                try await persist(step.state)
            }
        }
        return (.stepLimit, state)
    }

    /// Finalizing that changes nothing in the Secret is folded into the write that enters it (one status write
    /// fewer). Safe: a crash before that write re-runs the previous phase, which finds its work already done.
    private func finishingAtOnce(_ state: RotationState, data: SecretData, now: Date,
                                 events: inout [RotationEvent]) -> RotationState {
        guard state.phase == .finalizing else { return state }
        let step = machine.finalize(state, data: data, now: now)
        guard step.data == nil else { return state }
        events.append(.finalized(revision: step.state.revision, timedOut: state.cause == .migrationTimedOut))
        return step.state
    }

    /// First values for missing keys (generating only those keys).
    private func provision(_ state: RotationState, data: SecretData, now: Date) async throws -> RotationMachine.Step? {
        let missing = Set(machine.layout.missingKeys(in: data))
        guard !missing.isEmpty else { return nil }
        let needed = keys.filter { key in key.valueKeys.contains(where: missing.contains) }
        let fresh: SecretData
        do { fresh = try await RotatedKey.generateAllOffloaded(needed) } catch {
            throw RotationRunError.provisioningFailed(reason: "\(error)")
        }
        return machine.provision(state, data: data, fresh: fresh, now: now)
    }
}
