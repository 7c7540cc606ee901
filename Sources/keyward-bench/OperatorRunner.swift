import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCommands
import KeywardCore
import KubernetesClient
import KubernetesResources
import Logging
import ServiceLifecycle
import Synchronization

/// How the in-process operator learns about changes.
enum DiscoveryMode: Sendable, CustomStringConvertible {
    /// List, then watch (the default).
    case watch
    /// List every interval, no watch (`--poll-interval`, for API paths where watch is unavailable).
    case poll(TimeInterval)

    var description: String {
        switch self {
        case .watch: "watch"
        case .poll(let interval): "poll every \(Report.format(interval)) s"
        }
    }
}

/// The operator, running inside the bench process against the bench's API server, authenticated as `keyward` so
/// the server's log holds its requests apart from the bench's.
///
/// Both modes are `OperatorAssembly`, the same wiring `keyward controller` runs (poll mode is its `--poll-interval`).
final class OperatorRunner: Sendable {
    let metrics = KeywardMetrics()
    let client: KubernetesClient
    private let group: ServiceGroup
    private let running = Mutex<Task<Void, any Error>?>(nil)
    private let finished = Mutex(false)

    init(cluster: BenchCluster, mode: DiscoveryMode = .watch, concurrency: Int = 8, maxIssuanceRate: Double = 1_000_000,
         clock: any WallClock = SystemClock()) async {
        client = cluster.controllerClient(metrics: metrics)
        let pollInterval: TimeInterval?
        switch mode {
        case .watch: pollInterval = nil
        case .poll(let interval): pollInterval = interval
        }
        // Manual triggers unlimited: the rotation suite requests rotations of one object back to back on purpose.
        let assembly = OperatorAssembly(client: client, scope: .namespace(BenchCluster.namespace), concurrency: concurrency,
                                        manualTriggerInterval: 0, maxIssuanceRate: maxIssuanceRate, pollInterval: pollInterval, metrics: metrics,
                                        clock: clock)
        let manager = await assembly.makeManager(elector: nil, health: HealthState())
        group = ServiceGroup(configuration: .init(services: [manager], logger: Logger(label: "keyward.bench.operator")))
    }

    func start() {
        running.withLock {
            $0 = Task {
                defer { self.finished.withLock { $0 = true } }
                try await self.group.run()
            }
        }
    }

    /// Graceful shutdown (what SIGTERM does), waiting up to 30 s for it, then the connection is closed.
    func stop() async {
        await group.triggerGracefulShutdown()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, !finished.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(20)) }
        running.withLock { $0?.cancel() }
        client.shutdown()
    }

    /// Reconciles finished so far (the controller's duration histogram count).
    var reconcileCount: Int {
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        for line in text.split(separator: "\n")
        where line.hasPrefix("keyward_reconcile_duration_seconds_count{") && line.contains("controller=\"certificate\"") {
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { return Int(value) }
        }
        return 0
    }
}

/// Real time plus an offset that can jump forward: lets a bench make thousands of certificates due at once and then
/// watch the operator work through them in real time.
final class JumpClock: WallClock {
    private let offset = Mutex<TimeInterval>(0)

    var now: Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    func jump(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }

    /// Sleeps in slices of at most 20 ms so a jump wakes sleepers whose deadline it passed.
    func sleep(until deadline: Date) async throws {
        while true {
            let remaining = deadline.timeIntervalSince(now)
            if remaining <= 0 {
                try Task.checkCancellation()
                return
            }
            try await Task.sleep(for: .seconds(min(remaining, 0.02)))
        }
    }
}
