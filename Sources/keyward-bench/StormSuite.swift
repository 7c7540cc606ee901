import Foundation
import KeywardAPI
import KubeAPIServer

/// Suite 7, renewal storm: N one-hour Certificates all due at once (the clock jumps 40 minutes, past every renewal
/// time, leaving 20 minutes before expiry) under `--max-issuance-rate R`. Measures whether the signatures stay
/// under the cap, how the API request rate follows, and whether every certificate renews before it expires.
enum StormSuite {
    static let name = "storm"

    static func run(report: Report, quick: Bool) async throws {
        let count = quick ? 300 : 10_000
        let cap: Double = 100
        let cluster = try await BenchCluster.start()
        let tracker = await CertificateTracker(client: cluster.client)
        await tracker.start()
        try await IssuanceSuite.prepareCA(cluster, tracker: tracker)
        try await cluster.create((0..<count).map { Workload.leaf($0, duration: "1h") })

        // First issuance, uncapped, on real time.
        let initial = await OperatorRunner(cluster: cluster)
        initial.start()
        guard try await tracker.wait(timeout: Double(count) * 0.5 + 120, { $0.readyCount == count + 1 }) else {
            report.note(name, "initial issuance did not finish; no storm")
            await initial.stop()
            await cluster.stop()
            return
        }
        await initial.stop()
        let before = tracker.snapshot.filter { $0.key != Workload.caName }

        // The capped operator takes over, settles with nothing to do, and then every renewal falls due at once.
        let clock = JumpClock()
        let runner = await OperatorRunner(cluster: cluster, maxIssuanceRate: cap, clock: clock)
        runner.start()
        _ = try await SteadyStateSuite.wait(timeout: 120) { runner.reconcileCount >= count + 1 }
        try await IssuanceSuite.waitForQuiet(cluster)
        await cluster.server.clearLogs()
        let jump: TimeInterval = 40 * 60 + 5
        clock.jump(by: jump)
        let watch = Stopwatch()
        let renewed = try await tracker.wait(timeout: Double(count) / cap * 3 + 120) { tracker in
            tracker.count { entry in entry.revision ?? 0 >= 2 } >= count
        }
        let seconds = watch.seconds
        try await IssuanceSuite.waitForQuiet(cluster)
        let requests = await cluster.controllerRequests()
        let writes = await cluster.controllerWrites()
        await runner.stop()
        let after = tracker.snapshot
        await tracker.stop()
        await cluster.stop()

        let label = "N = \(count.formatted()), cap \(Int(cap))/s"
        guard renewed else {
            report.note(name, "\(label): only \(after.values.filter { ($0.revision ?? 0) >= 2 }.count) of \(count) renewed in time")
            return
        }
        // Renewed before expiry: each new certificate's issue moment (its notBefore plus the 60 s backdate) is
        // before the previous certificate's notAfter.
        var late = 0
        for (name, old) in before {
            guard let oldNotAfter = old.notAfter, let newNotBefore = after[name]?.notBefore else { late += 1; continue }
            if newNotBefore.addingTimeInterval(60) >= oldNotAfter { late += 1 }
        }
        let signatures = writes.filter { $0.resource == "secrets" && $0.verb == .update }.map(\.time)
        report.add(Figure(name, "\(label): all renewed after", seconds, "s", baseline: ("N ÷ cap", Double(count) / cap)))
        report.add(Figure(name, "\(label): mean renewal rate", Double(count) / seconds, "renewals/s", baseline: ("cap", cap)))
        report.add(Figure(name, "\(label): peak renewals in any 1 s", Double(peakRate(signatures)), "renewals",
                          baseline: ("cap + burst (bucket of \(Int(cap)))", cap * 2)))
        report.add(Figure(name, "\(label): peak API requests in any 1 s", Double(peakRate(requests.map(\.time))), "requests",
                          note: "\(Report.format(Double(requests.count) / Double(count))) requests per renewal: "
                              + IssuanceSuite.breakdown(requests)))
        report.add(Figure(name, "\(label): certificates renewed after expiry", Double(late), "certs", baseline: ("target", 0),
                          note: "20 min of validity left when the storm began"))
    }
}
