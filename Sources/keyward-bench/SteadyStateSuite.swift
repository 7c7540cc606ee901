import Foundation
import KeywardAPI
import KubeAPIServer

/// Suite 5, steady state: N Ready Certificates, then a periodic resync with nothing to do. Counts what the operator
/// sends to the API server for it: in watch mode the resync replays the cache (no requests at all); in poll mode one
/// relist per cycle. Writes must be zero in both. The clock jumps over the 10-minute resync interval instead of
/// waiting for it.
enum SteadyStateSuite {
    static let name = "steady"

    static func run(report: Report, quick: Bool) async throws {
        let count = quick ? 200 : 1_000
        let cluster = try await BenchCluster.start()
        let tracker = await CertificateTracker(client: cluster.client)
        await tracker.start()
        try await IssuanceSuite.prepareCA(cluster, tracker: tracker)
        try await cluster.create((0..<count).map { Workload.leaf($0) })

        let label = "N = \(count.formatted())"
        for mode in [DiscoveryMode.watch, .poll(600)] {
            let clock = JumpClock()
            let runner = await OperatorRunner(cluster: cluster, mode: mode, clock: clock)
            runner.start()
            guard try await tracker.wait(timeout: 300, { $0.readyCount == count + 1 }),
                  try await wait(timeout: 120, { runner.reconcileCount >= count + 1 })
            else {
                report.note(name, "\(label), \(mode): the operator did not settle")
                await runner.stop()
                continue
            }
            try await IssuanceSuite.waitForQuiet(cluster)
            await cluster.server.clearLogs()
            let before = runner.reconcileCount
            clock.jump(by: 601)
            let resynced = try await wait(timeout: 120) { runner.reconcileCount >= before + count + 1 }
            try await IssuanceSuite.waitForQuiet(cluster)
            let requests = await cluster.controllerRequests()
            let writes = await cluster.controllerWrites()
            let reconciles = runner.reconcileCount - before
            await runner.stop()
            guard resynced else {
                report.note(name, "\(label), \(mode): the resync did not reconcile every Certificate")
                continue
            }
            let modeLabel = mode.description.hasPrefix("poll") ? "poll mode" : "watch mode"
            report.add(Figure(name, "\(label), \(modeLabel): requests per resync", Double(requests.count), "requests",
                              note: requests.isEmpty ? "\(reconciles) reconciles served from the cache"
                                  : IssuanceSuite.breakdown(requests) + "; \(reconciles) reconciles"))
            report.add(Figure(name, "\(label), \(modeLabel): writes per resync", Double(writes.count), "writes",
                              baseline: ("target", 0)))
        }
        await tracker.stop()
        await cluster.stop()
    }

    static func wait(timeout: TimeInterval, _ condition: () async -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return await condition()
    }
}
