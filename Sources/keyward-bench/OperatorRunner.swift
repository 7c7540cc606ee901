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
/// Watch mode is `OperatorAssembly`, the same wiring `keyward controller` runs. Poll mode needs informers with a
/// poll interval, which `OperatorAssembly` does not take yet, so ``PollingAssembly`` repeats its wiring with that one
/// difference.
final class OperatorRunner: Sendable {
    let metrics = KeywardMetrics()
    let client: KubernetesClient
    private let group: ServiceGroup
    private let running = Mutex<Task<Void, any Error>?>(nil)
    private let finished = Mutex(false)

    init(cluster: BenchCluster, mode: DiscoveryMode = .watch, concurrency: Int = 4, maxIssuanceRate: Double = 1_000_000,
         clock: any WallClock = SystemClock()) async {
        client = cluster.controllerClient(metrics: metrics)
        let manager: Manager
        switch mode {
        case .watch:
            let assembly = OperatorAssembly(client: client, scope: .namespace(BenchCluster.namespace), concurrency: concurrency,
                                            maxIssuanceRate: maxIssuanceRate, metrics: metrics, clock: clock)
            manager = await assembly.makeManager(elector: nil, health: HealthState())
        case .poll(let interval):
            manager = await PollingAssembly.makeManager(client: client, namespace: BenchCluster.namespace, pollInterval: interval,
                                                        concurrency: concurrency, maxIssuanceRate: maxIssuanceRate,
                                                        metrics: metrics, clock: clock)
        }
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

/// `OperatorAssembly.makeManager` with informers that poll instead of watching. Keep in step with OperatorAssembly
/// until it takes a poll interval itself.
enum PollingAssembly {
    static func makeManager(client: KubernetesClient, namespace: String, pollInterval: TimeInterval, concurrency: Int,
                            maxIssuanceRate: Double, metrics: KeywardMetrics, clock: any WallClock) async -> Manager {
        var manager = Manager(elector: nil, health: HealthState())
        let store = KubernetesStore(client: client)
        let scope = NamespaceSelector.namespace(namespace)
        let certificates = Informer<Certificate>(
            client: client, configuration: InformerConfiguration(scope: scope, pollInterval: pollInterval), clock: clock)
        let secrets = Informer<Secret>(
            client: client,
            configuration: InformerConfiguration(scope: scope, labelSelector: [KeywardLabels.owned: KeywardLabels.ownedValue],
                                                 pollInterval: pollInterval),
            clock: clock)
        store.register(certificates)
        store.register(secrets)
        let queue = WorkQueue<ObjectKey>(name: "certificates", clock: clock)
        await certificates.addHandler { event in
            let certificate = event.object
            await queue.add(ObjectKey(namespace: certificate.metadata.namespace, name: certificate.metadata.name))
            if certificate.spec.isCA, case .updated(let old, let new) = event, old.status?.revision != new.status?.revision {
                for leaf in await certificates.list(namespace: certificate.metadata.namespace)
                where leaf.spec.issuer.ca?.certificateRef == certificate.metadata.name {
                    await queue.add(ObjectKey(namespace: leaf.metadata.namespace, name: leaf.metadata.name))
                }
            }
        }
        await secrets.addHandler { event in
            guard let name = event.object.metadata.annotations[KeywardAnnotations.certificateName] else { return }
            await queue.add(ObjectKey(namespace: event.object.metadata.namespace, name: name))
        }
        let reconciler = CertificateReconciler(
            store: store, events: EventRecorder(sink: KubernetesEventSink(client: client), clock: clock), clock: clock,
            limiter: IssuanceRateLimiter(perSecond: maxIssuanceRate, burst: max(1, Int(maxIssuanceRate)), clock: clock))
        metrics.registerController("certificate")
        let controller = Controller(name: "certificate", queue: queue, reconciler: reconciler, concurrency: concurrency,
                                    clock: clock) { duration, failed in
            metrics.observeReconcile(controller: "certificate", duration: duration)
            if failed { metrics.reconcileFailed(controller: "certificate") }
        }
        manager.add(certificates)
        manager.add(secrets)
        manager.add(controller)
        return manager
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
