import Foundation
import KeywardCore
import KubernetesClient
import KubernetesResources
import Logging
import Synchronization

/// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: only the holder reconciles.
///
/// ``run(whileLeading:)`` blocks until this replica holds the Lease, then runs the work in a child task while
/// renewing every `retryPeriod`. If a renewal does not succeed within `renewDeadline`, or another replica holds the
/// Lease, the work is cancelled at once and ``LeaderElectionError/lostLease(_:)`` is thrown. When the work ends
/// (graceful shutdown), the Lease is released so a standby takes over on its next retry rather than after the
/// full lease duration.
///
/// All waiting happens on the injected clock.
public final class LeaderElector: Sendable {
    public let configuration: LeaderElectionConfiguration
    private let client: KubernetesClient
    private let clock: any WallClock
    private let logger: Logger
    private let metrics: KeywardMetrics?
    private let health: HealthState?
    private let onEvent: (@Sendable (LeaderElectionEvent) -> Void)?
    private let state = Mutex(State())

    private struct State {
        var running = false
        var isLeader = false
        /// The last Lease read or written, and when this process first saw that version of it.
        var observed: Lease?
        /// When (``WallClock/uptime``) this process first saw the observed Lease version, and last renewed: intervals
        /// on a clock nobody steps.
        var observedAt: TimeInterval?
        var lastRenewal: TimeInterval?
        var lastError: String?
    }

    /// One attempt to acquire or renew.
    private enum Attempt {
        case holding
        case heldBy(String)
        case failed(String)
        /// The Lease cannot be used at all as configured (its namespace does not exist, RBAC forbids it): no retry
        /// helps, so acquiring fails at once instead of waiting forever.
        case unusable(String)
    }

    private enum Mode { case acquire, renew }

    /// How the leading phase's first finished child ended.
    private enum Outcome: Sendable {
        case workReturned
        case workFailed(any Error)
        case lost(LeaderElectionError.LossReason)
        case renewStopped
    }

    /// - Parameters:
    ///   - metrics: gets `keyward_leader_election_is_leader`.
    ///   - health: learns that the elector runs (readiness) and whether this replica leads.
    ///   - onEvent: called synchronously on every change; keep it cheap.
    public init(configuration: LeaderElectionConfiguration, client: KubernetesClient, clock: any WallClock = SystemClock(),
                logger: Logger = Logger(label: "keyward.leader-election"), metrics: KeywardMetrics? = nil,
                health: HealthState? = nil, onEvent: (@Sendable (LeaderElectionEvent) -> Void)? = nil) {
        self.configuration = configuration
        self.client = client
        self.clock = clock
        var logger = logger
        logger[metadataKey: "lease"] = "\(configuration.namespace)/\(configuration.name)"
        logger[metadataKey: "identity"] = "\(configuration.identity)"
        self.logger = logger
        self.metrics = metrics
        self.health = health
        self.onEvent = onEvent
    }

    /// Whether this replica holds the Lease right now (false from the instant a loss is detected).
    public var isLeader: Bool { state.withLock { $0.isLeader } }

    public var status: LeaderElectionStatus {
        state.withLock { s in
            LeaderElectionStatus(isLeader: s.isLeader, holderIdentity: s.observed?.spec.holderIdentity,
                                 leaseTransitions: s.observed?.spec.leaseTransitions,
                                 acquireTime: s.observed?.spec.acquireTime?.date, renewTime: s.observed?.spec.renewTime?.date)
        }
    }

    // MARK: Running

    /// Acquires the Lease, runs `whileLeading` while holding it, and releases it when `whileLeading` ends.
    ///
    /// - Returns: when `whileLeading` returned, or when the task was cancelled (before acquiring, or while leading
    ///   and `whileLeading` ended with `CancellationError`); the Lease is released first if held.
    /// - Throws: ``LeaderElectionError/lostLease(_:)`` when leadership was lost (after `whileLeading` has been
    ///   cancelled and has finished), or the error `whileLeading` threw (after releasing).
    public func run(whileLeading: @Sendable () async throws -> Void) async throws {
        try configuration.validate()
        let started = state.withLock { s in
            guard !s.running else { return false }
            s.running = true
            return true
        }
        guard started else { throw LeaderElectionError.alreadyRunning }
        health?.setLeaderElectionRunning(true)
        defer {
            state.withLock { $0.running = false }
            health?.setLeaderElectionRunning(false)
        }

        do {
            try await acquire()
        } catch is CancellationError {
            return
        }
        becomeLeader()

        let outcome = await withoutActuallyEscaping(whileLeading) { work in
            await lead(work)
        }
        switch outcome {
        case .lost(let reason):
            throw LeaderElectionError.lostLease(reason)
        case .workReturned, .renewStopped:
            await releaseShielded()
        case .workFailed(let error):
            await releaseShielded()
            if error is CancellationError, Task.isCancelled { return }
            throw error
        }
    }

    /// Runs the work and the renew loop side by side; the first to end decides, and the other is cancelled.
    private func lead(_ work: @escaping @Sendable () async throws -> Void) async -> Outcome {
        await withTaskGroup(of: Outcome.self) { group in
            group.addTask {
                do {
                    try await work()
                    return .workReturned
                } catch {
                    return .workFailed(error)
                }
            }
            group.addTask { await self.renewLoop() }
            let first = await group.next() ?? .renewStopped
            if case .lost(let reason) = first {
                // Stop counting as leader before the work unwinds: readiness and metrics must not lag.
                stopLeading(reason: reason)
            }
            group.cancelAll()
            let second = await group.next() ?? .renewStopped
            switch (first, second) {
            case (.lost, _): return first
            case (.renewStopped, let work): return work
            default:
                stopLeading(reason: nil)
                return first
            }
        }
    }

    private func acquire() async throws {
        logger.info("waiting to acquire the leader Lease")
        while true {
            try Task.checkCancellation()
            switch await attempt(.acquire) {
            case .holding:
                return
            case .heldBy(let holder):
                logger.debug("the Lease is held by another replica", metadata: ["holder": "\(holder)"])
            case .failed(let error):
                logger.warning("cannot acquire the leader Lease", metadata: ["error": "\(error)"])
            case .unusable(let error):
                throw LeaderElectionError.invalidConfiguration(
                    "cannot use the Lease \(configuration.namespace)/\(configuration.name): \(error)")
            }
            let jittered = configuration.retryPeriod
                * (1 + (LeaderElectionConfiguration.jitterFactor - 1) * Double.random(in: 0..<1))
            try await clock.sleep(for: .seconds(jittered))
        }
    }

    /// Renews every `retryPeriod`; returns `.lost` when the deadline passes or another replica holds the Lease, and
    /// `.renewStopped` when cancelled.
    private func renewLoop() async -> Outcome {
        do {
            while true {
                try await clock.sleep(for: .seconds(configuration.retryPeriod))
                // The renew deadline counted on the uptime clock: a wall clock set back must not extend it.
                let sinceRenewal = clock.uptime - (state.withLock { $0.lastRenewal } ?? clock.uptime)
                let deadline = clock.now.addingTimeInterval(max(0, configuration.renewDeadline - sinceRenewal))
                let result = try await Self.race(until: deadline, on: clock) { [self] in
                    while true {
                        switch await attempt(.renew) {
                        case .holding: return Outcome.renewStopped
                        case .heldBy(let holder): return .lost(.takenBy(holder))
                        case .failed(let error), .unusable(let error):
                            logger.warning("failed to renew the leader Lease", metadata: ["error": "\(error)"])
                        }
                        try await clock.sleep(for: .seconds(configuration.retryPeriod))
                    }
                }
                switch result {
                case .some(.renewStopped): continue
                case .some(let lost): return lost
                case .none: return .lost(.renewDeadlineExceeded(lastError: state.withLock { $0.lastError }))
                }
            }
        } catch {
            return .renewStopped
        }
    }

    /// Runs `operation` until it returns or `deadline` passes on `clock` (then `nil`, and the operation is cancelled).
    private static func race<T: Sendable>(until deadline: Date, on clock: any WallClock,
                                          _ operation: @escaping @Sendable () async throws -> T) async throws -> T? {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await clock.sleep(until: deadline)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    // MARK: One attempt

    /// Reads the Lease and takes or renews it when allowed. A 409 means someone wrote in between: read again at once.
    private func attempt(_ mode: Mode) async -> Attempt {
        for _ in 0..<3 {
            if Task.isCancelled { return .failed("cancelled") }
            let now = clock.now
            let current: Lease
            do {
                current = try await client.get(Lease.self, name: configuration.name, namespace: configuration.namespace)
            } catch let error as KubernetesError where Self.isUnusable(error) {
                return unusable(error)
            } catch let error as KubernetesError where error.isNotFound {
                if mode == .renew, isLeader {
                    // Deleted under us: recreating is safe only while nobody else can have acquired it.
                    logger.warning("the leader Lease was deleted; recreating it")
                }
                return await create(now: now)
            } catch {
                return failed(error)
            }
            observe(current)
            let holder = current.spec.holderIdentity ?? ""
            if holder != configuration.identity {
                if mode == .renew, !holder.isEmpty { return .heldBy(holder) }
                if !holder.isEmpty, !isExpired(current, now: now) { return .heldBy(holder) }
            }
            var next = current
            if holder != configuration.identity {
                next.spec.acquireTime = MicroTime(now)
                next.spec.leaseTransitions = (current.spec.leaseTransitions ?? 0) + 1
            }
            next.spec.holderIdentity = configuration.identity
            next.spec.leaseDurationSeconds = Int(configuration.leaseDuration.rounded(.up))
            next.spec.renewTime = MicroTime(now)
            do {
                let written = try await client.update(next)
                recordWrite(written, acquired: holder != configuration.identity)
                return .holding
            } catch let error as KubernetesError where error.isConflict {
                logger.debug("the leader Lease changed while writing it; reading it again")
                continue
            } catch {
                return failed(error)
            }
        }
        return failed("the Lease kept changing between read and write")
    }

    private func create(now: Date) async -> Attempt {
        let lease = Lease(
            metadata: ObjectMeta(name: configuration.name, namespace: configuration.namespace),
            spec: Lease.Spec(holderIdentity: configuration.identity,
                             leaseDurationSeconds: Int(configuration.leaseDuration.rounded(.up)),
                             acquireTime: MicroTime(now), renewTime: MicroTime(now), leaseTransitions: 0))
        do {
            let created = try await client.create(lease)
            recordWrite(created, acquired: true)
            return .holding
        } catch let error as KubernetesError where Self.isUnusable(error) || error.isNotFound {
            // 404 on create: the Lease's namespace does not exist.
            return unusable(error)
        } catch {
            // AlreadyExists: another replica created it first; the next attempt reads it.
            return failed(error)
        }
    }

    /// Refusals no retry changes: not allowed (RBAC) or not authenticated.
    private static func isUnusable(_ error: KubernetesError) -> Bool {
        switch error {
        case .forbidden, .unauthorized: true
        default: false
        }
    }

    private func unusable(_ error: KubernetesError) -> Attempt {
        state.withLock { $0.lastError = error.description }
        return .unusable(error.description)
    }

    /// Expired by both the holder's clock (renewTime) and ours (how long this process has seen the same version,
    /// on the uptime clock): the second guards against a holder whose clock runs behind, and against our own wall
    /// clock set forward, as client-go's monotonic observedTime does.
    private func isExpired(_ lease: Lease, now: Date) -> Bool {
        let duration = TimeInterval(lease.spec.leaseDurationSeconds ?? Int(configuration.leaseDuration))
        let renewed = lease.spec.renewTime?.date ?? .distantPast
        let uptime = clock.uptime
        let observedAt = state.withLock { $0.observedAt } ?? uptime
        return renewed.addingTimeInterval(duration) < now && observedAt + duration < uptime
    }

    private func observe(_ lease: Lease) {
        let uptime = clock.uptime
        let changedHolder: String?? = state.withLock { s in
            let previous = s.observed
            if previous?.metadata.resourceVersion != lease.metadata.resourceVersion {
                s.observed = lease
                s.observedAt = uptime
            }
            let before = previous?.spec.holderIdentity
            return before == lease.spec.holderIdentity && previous != nil ? .none : .some(lease.spec.holderIdentity)
        }
        if case .some(let holder) = changedHolder {
            logger.info("observed a new leader", metadata: ["holder": "\(holder ?? "<none>")"])
            onEvent?(.newLeader(holder))
        }
    }

    private func recordWrite(_ lease: Lease, acquired: Bool) {
        observe(lease)
        let uptime = clock.uptime
        state.withLock { s in
            s.lastRenewal = uptime
            s.lastError = nil
        }
        if acquired {
            logger.info("acquired the leader Lease",
                        metadata: ["leaseTransitions": "\(lease.spec.leaseTransitions ?? 0)"])
        }
    }

    private func failed(_ error: any Error) -> Attempt { failed(String(describing: error)) }

    private func failed(_ description: String) -> Attempt {
        state.withLock { $0.lastError = description }
        return .failed(description)
    }

    // MARK: Leadership transitions

    private func becomeLeader() {
        state.withLock { $0.isLeader = true }
        metrics?.setLeader(true)
        health?.setLeader(true)
        logger.info("started leading")
        onEvent?(.startedLeading)
    }

    private func stopLeading(reason: LeaderElectionError.LossReason?) {
        let was = state.withLock { s in
            defer { s.isLeader = false }
            return s.isLeader
        }
        guard was else { return }
        metrics?.setLeader(false)
        health?.setLeader(false)
        if let reason {
            logger.error("stopped leading: \(reason)")
        } else {
            logger.info("stopped leading")
        }
        onEvent?(.stoppedLeading)
    }

    // MARK: Release

    /// Releases in a task of its own: when shutdown cancelled us, requests made from this task would be cancelled
    /// before they were sent.
    private func releaseShielded() async {
        stopLeading(reason: nil)
        await Task { await self.release() }.value
    }

    /// Clears the holder so a standby acquires on its next retry; a 1 s duration covers clients that ignore an
    /// empty holder and wait for expiry instead.
    private func release() async {
        let deadline = clock.now.addingTimeInterval(configuration.renewDeadline)
        let released = try? await Self.race(until: deadline, on: clock) { [self] in
            for _ in 0..<3 {
                let current: Lease
                do {
                    current = try await client.get(Lease.self, name: configuration.name,
                                                   namespace: configuration.namespace)
                } catch {
                    logger.warning("cannot read the leader Lease to release it", metadata: ["error": "\(error)"])
                    return false
                }
                guard current.spec.holderIdentity == configuration.identity else { return false }
                var next = current
                let now = clock.now
                next.spec.holderIdentity = nil
                next.spec.leaseDurationSeconds = 1
                next.spec.renewTime = MicroTime(now)
                next.spec.acquireTime = MicroTime(now)
                do {
                    observe(try await client.update(next))
                    return true
                } catch let error as KubernetesError where error.isConflict {
                    continue
                } catch {
                    logger.warning("cannot release the leader Lease", metadata: ["error": "\(error)"])
                    return false
                }
            }
            return false
        }
        if released == true { logger.info("released the leader Lease") }
    }
}
