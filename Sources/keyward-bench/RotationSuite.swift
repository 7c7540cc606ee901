import ControllerRuntime
import Foundation
import KeywardAPI
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Logging
import RotationStrategies
import Synchronization

/// Suite 9, secret rotation latency: a SecretRotation with one generated password and no consumers, rotated on
/// request (`keyward.dev/rotate`), from the request until the rotation is back in Idle with the next revision — for
/// the immediate and blue-green strategies, against the seed's quoted 20–100 ms and 100–400 ms. The baseline is the
/// same number of writes the rotation made, sent back to back, plus the watch delivery of the request.
enum RotationSuite {
    static let name = "rotation"

    static func run(report: Report, quick: Bool) async throws {
        let samples = quick ? 10 : 60
        let cluster = try await BenchCluster.start()
        let runner = await OperatorRunner(cluster: cluster)
        runner.start()
        let tracker = await RotationTracker(client: cluster.client)
        await tracker.start()

        let (roundTrip, delivery) = try await baselines(cluster, tracker: tracker, samples: samples)
        report.add(Figure(name, "one write, round trip (p50)", roundTrip * 1000, "ms"))
        report.add(Figure(name, "request → seen by a watch (p50)", delivery * 1000, "ms"))

        for (strategy, label, peer) in [(SecretRotation.StrategyType.immediate, "immediate", "seed: 20–100 ms"),
                                        (.blueGreen, "blue-green", "seed: 100–400 ms")] {
            let rotationName = "rotate-\(strategy.rawValue.lowercased())"
            _ = try await cluster.client.create(SecretRotation(
                metadata: ObjectMeta(name: rotationName, namespace: BenchCluster.namespace),
                spec: SecretRotation.Spec(secretName: rotationName, keys: [.init(name: "password", generator: .password())],
                                          interval: "720h", strategy: SecretRotation.Strategy(type: strategy))))
            guard try await tracker.wait(rotationName, revision: 1, timeout: 60) != nil else {
                report.note(name, "\(label): the first rotation did not finish")
                continue
            }
            await cluster.server.clearLogs()
            var latencies: [Double] = []
            for i in 0..<samples {
                let revision = tracker.revision(rotationName) ?? 0
                let start = ContinuousClock.now
                try await requestRotation(cluster, name: rotationName, id: "bench-\(i)")
                guard let done = try await tracker.wait(rotationName, revision: revision + 1, timeout: 60) else {
                    report.note(name, "\(label): rotation \(i) did not finish within 60 s")
                    break
                }
                latencies.append(LatencySuite.seconds(done - start))
            }
            let writes = await cluster.controllerWrites().filter { $0.changed }
            let writesPerRotation = Double(writes.count) / Double(max(1, latencies.count))
            let sample = Sample(latencies)
            let floor = delivery + writesPerRotation * roundTrip
            report.add(Figure(name, "\(label): request → rotated, p50", sample.percentile(50) * 1000, "ms",
                              baseline: ("\(Report.format(writesPerRotation)) writes back to back + watch delivery", floor * 1000),
                              note: peer))
            report.add(Figure(name, "\(label): request → rotated, p99", sample.percentile(99) * 1000, "ms",
                              note: "\(sample.count) samples; writes: " + IssuanceSuite.breakdown(
                                  await cluster.controllerRequests().filter { $0.verb?.isMutating == true })))
        }
        await tracker.stop()
        await runner.stop()
        await cluster.stop()
    }

    /// Sets the rotate annotation, as `keyward rotate` does.
    static func requestRotation(_ cluster: BenchCluster, name: String, id: String) async throws {
        for attempt in 0..<10 {
            do {
                var rotation = try await cluster.client.get(SecretRotation.self, name: name, namespace: BenchCluster.namespace)
                rotation.metadata.annotations[KeywardAnnotations.rotate] = id
                _ = try await cluster.client.update(rotation)
                return
            } catch let error as KubernetesError where error.isConflict && attempt < 9 {}
        }
    }

    /// The p50 round trip of one write through the controller's client, and of an update reaching a watch.
    private static func baselines(_ cluster: BenchCluster, tracker: RotationTracker, samples: Int) async throws
        -> (roundTrip: Double, delivery: Double)
    {
        let client = cluster.controllerClient()
        defer { client.shutdown() }
        var secret = try await client.create(Secret(metadata: ObjectMeta(name: "round-trip", namespace: BenchCluster.namespace),
                                                    data: ["v": Data("0".utf8)]))
        var trips: [Double] = []
        for i in 0..<samples {
            secret.data["v"] = Data("\(i + 1)".utf8)
            let watch = Stopwatch()
            secret = try await client.update(secret)
            trips.append(watch.seconds)
        }
        _ = try await cluster.client.create(SecretRotation(
            metadata: ObjectMeta(name: "probe", namespace: BenchCluster.namespace),
            spec: SecretRotation.Spec(secretName: "probe", keys: [.init(name: "password", generator: .password())],
                                      interval: "720h", suspend: true)))
        var deliveries: [Double] = []
        for i in 0..<samples {
            let start = ContinuousClock.now
            try await requestRotation(cluster, name: "probe", id: "probe-\(i)")
            guard let seen = try await tracker.waitForAnnotation("probe", value: "probe-\(i)", timeout: 30) else { continue }
            deliveries.append(LatencySuite.seconds(seen - start))
        }
        return (Sample(trips).percentile(50), Sample(deliveries).percentile(50))
    }
}

/// Watches SecretRotations as the bench user and records, on the monotonic clock, when each reached each revision
/// back in Idle, and when each rotate request was first seen.
final class RotationTracker: Sendable {
    private struct State {
        var idleRevisionAt: [String: [Int: ContinuousClock.Instant]] = [:]
        var revision: [String: Int] = [:]
        var requestSeenAt: [String: [String: ContinuousClock.Instant]] = [:]
    }

    private let state = Mutex(State())
    private let informer: Informer<SecretRotation>
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(client: KubernetesClient) async {
        var configuration = InformerConfiguration(scope: .namespace(BenchCluster.namespace))
        configuration.resyncInterval = 1e9
        informer = Informer<SecretRotation>(client: client, configuration: configuration,
                                            logger: Logger(label: "keyward.bench.rotations"))
        await informer.addHandler { [self] event in
            let rotation = event.object
            let now = ContinuousClock.now
            self.state.withLock { s in
                let name = rotation.metadata.name
                if let request = rotation.metadata.annotations[KeywardAnnotations.rotate], s.requestSeenAt[name]?[request] == nil {
                    s.requestSeenAt[name, default: [:]][request] = now
                }
                if let revision = rotation.status?.revision, rotation.status?.phase == .idle {
                    s.revision[name] = revision
                    if s.idleRevisionAt[name]?[revision] == nil { s.idleRevisionAt[name, default: [:]][revision] = now }
                }
            }
        }
    }

    func start() async {
        let informer = self.informer
        task.withLock { $0 = Task { await informer.run() } }
        await informer.waitForSync()
    }

    func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
    }

    func revision(_ name: String) -> Int? { state.withLock { $0.revision[name] } }

    /// When `name` was first seen Idle at `revision` or later; nil if not within `timeout` seconds.
    func wait(_ name: String, revision: Int, timeout: TimeInterval) async throws -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            let reached = state.withLock { s in
                s.idleRevisionAt[name]?.filter { $0.key >= revision }.map(\.value).min()
            }
            if let reached { return reached }
            try await Task.sleep(for: .milliseconds(1))
        }
        return nil
    }

    func waitForAnnotation(_ name: String, value: String, timeout: TimeInterval) async throws -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            if let seen = state.withLock({ $0.requestSeenAt[name]?[value] }) { return seen }
            try await Task.sleep(for: .milliseconds(1))
        }
        return nil
    }
}
