import Foundation
import KeywardAPI
import KubernetesClient

/// Suite 4, reaction latency: one Certificate created at a time, from the create request until the bench's own watch
/// sees it Ready; watch mode against poll mode. The baseline is the same path without a controller: create until
/// the bench's watch sees the object at all.
enum LatencySuite {
    static let name = "latency"

    static func run(report: Report, quick: Bool) async throws {
        let samples = quick ? 20 : 200
        let pollSamples = quick ? 8 : 40
        let pollInterval: TimeInterval = quick ? 1 : 2

        let cluster = try await BenchCluster.start()
        let tracker = await CertificateTracker(client: cluster.client)
        await tracker.start()
        try await IssuanceSuite.prepareCA(cluster, tracker: tracker)

        // Baseline: the API and watch path alone.
        var baseline: [Double] = []
        for i in 0..<samples {
            let name = "probe-\(i)"
            let start = ContinuousClock.now
            _ = try await cluster.client.create(Workload.leaf(i, prefix: "probe"))
            guard try await tracker.wait(timeout: 30, { $0.entry(name)?.seenAt != nil }), let seen = tracker.entry(name)?.seenAt
            else { continue }
            baseline.append(seconds(seen - start))
            try await cluster.client.delete(Certificate.self, name: name, namespace: BenchCluster.namespace)
        }
        let floor = Sample(baseline)
        report.add(Figure(name, "create → seen by a watch, no controller (p50)", floor.percentile(50) * 1000, "ms"))

        for mode in [DiscoveryMode.watch, .poll(pollInterval)] {
            let runner = await OperatorRunner(cluster: cluster, mode: mode)
            runner.start()
            try await IssuanceSuite.waitForQuiet(cluster, quiet: 0.5)
            var latencies: [Double] = []
            let prefix: String
            let count: Int
            switch mode {
            case .watch: (prefix, count) = ("watch", samples)
            case .poll: (prefix, count) = ("poll", pollSamples)
            }
            for i in 0..<count {
                if case .poll(let interval) = mode {
                    // Uniform phase against the poll timer, as a user's edit would be.
                    try await Task.sleep(for: .seconds(Double.random(in: 0..<interval)))
                }
                let name = "\(prefix)-\(i)"
                let start = ContinuousClock.now
                _ = try await cluster.client.create(Workload.leaf(i, prefix: prefix))
                guard try await tracker.wait(timeout: 60, { $0.entry(name)?.readyAt != nil }),
                      let ready = tracker.entry(name)?.readyAt
                else {
                    report.note(Self.name, "\(name) did not become Ready within 60 s")
                    continue
                }
                latencies.append(seconds(ready - start))
            }
            await runner.stop()
            let sample = Sample(latencies)
            switch mode {
            case .watch:
                report.add(Figure(name, "create → Ready, watch mode, p50", sample.percentile(50) * 1000, "ms",
                                  baseline: ("create → seen, no controller", floor.percentile(50) * 1000)))
                report.add(Figure(name, "create → Ready, watch mode, p99", sample.percentile(99) * 1000, "ms",
                                  baseline: ("create → seen, no controller p99", floor.percentile(99) * 1000),
                                  note: "\(sample.count) samples"))
            case .poll(let interval):
                let expected = interval / 2 * 1000 + floor.percentile(50) * 1000
                report.add(Figure(name, "create → Ready, \(mode), p50", sample.percentile(50) * 1000, "ms",
                                  baseline: ("half the interval + create → seen", expected)))
                report.add(Figure(name, "create → Ready, \(mode), p99", sample.percentile(99) * 1000, "ms",
                                  baseline: ("the interval + create → seen", interval * 1000 + floor.percentile(99) * 1000),
                                  note: "\(sample.count) samples"))
            }
        }
        await tracker.stop()
        await cluster.stop()
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
