import Foundation
import KeywardCore
import Synchronization

/// What `/healthz` and `/readyz` answer, fed by the parts that know: informers, the leader elector, the loops.
///
/// A class over a mutex rather than an actor because the HTTP handlers and the elector read and write it from
/// synchronous contexts, and every operation is a few field accesses.
public final class HealthState: Sendable {
    /// One probe's answer.
    public struct Report: Sendable, Hashable {
        public var isHealthy: Bool { failures.isEmpty }
        /// Why the probe fails, one short sentence each; empty when healthy.
        public var failures: [String]
    }

    private struct Heartbeat {
        var last: Date
        var timeout: TimeInterval
    }

    private struct State {
        var cachesSynced = false
        var controllersRunning = false
        var leaderElectionRunning = false
        var isLeader = false
        var heartbeats: [String: Heartbeat] = [:]
    }

    private let state = Mutex(State())
    private let clock: any WallClock
    /// With leader election, readiness also needs a running elector (a standby replica is ready: it serves
    /// metrics and takes over when the leader goes).
    public let leaderElectionEnabled: Bool

    public init(leaderElectionEnabled: Bool = false, clock: any WallClock = SystemClock()) {
        self.leaderElectionEnabled = leaderElectionEnabled
        self.clock = clock
    }

    public var cachesSynced: Bool { state.withLock { $0.cachesSynced } }
    public var leaderElectionRunning: Bool { state.withLock { $0.leaderElectionRunning } }
    public var controllersRunning: Bool { state.withLock { $0.controllersRunning } }
    public var isLeader: Bool { state.withLock { $0.isLeader } }

    public func setCachesSynced(_ synced: Bool) { state.withLock { $0.cachesSynced = synced } }
    public func setControllersRunning(_ running: Bool) { state.withLock { $0.controllersRunning = running } }
    public func setLeaderElectionRunning(_ running: Bool) { state.withLock { $0.leaderElectionRunning = running } }
    public func setLeader(_ leader: Bool) { state.withLock { $0.isLeader = leader } }

    /// Records that a long-running loop is alive; liveness fails once it has not beaten for `timeout`.
    public func heartbeat(_ component: String, timeout: TimeInterval) {
        let now = clock.now
        state.withLock { $0.heartbeats[component] = Heartbeat(last: now, timeout: timeout) }
    }

    /// Stops watching a loop that ended on purpose.
    public func removeHeartbeat(_ component: String) { state.withLock { $0.heartbeats[component] = nil } }

    /// Liveness: every registered loop beat within its timeout.
    public func liveness() -> Report {
        let now = clock.now
        let stale = state.withLock { state in
            state.heartbeats.filter { now.timeIntervalSince($0.value.last) > $0.value.timeout }
                .map { "\($0.key) has not reported for \(Int(now.timeIntervalSince($0.value.last)))s" }
        }
        return Report(failures: stale.sorted())
    }

    /// Readiness: caches synced and the controllers running, or, with leader election, the elector running (a
    /// standby replica is ready without running controllers).
    public func readiness() -> Report {
        let snapshot = state.withLock { $0 }
        var failures: [String] = []
        if !snapshot.cachesSynced { failures.append("informer caches have not synced") }
        if leaderElectionEnabled {
            if !snapshot.leaderElectionRunning { failures.append("leader election is not running") }
        } else if !snapshot.controllersRunning {
            failures.append("controllers are not running")
        }
        return Report(failures: failures)
    }
}
