import Foundation
import KeywardAPI
import KubeAPIServer
import KubernetesClient

/// Suite 3, end-to-end issuance: N Certificates wait in the API server, the operator starts, and the clock runs
/// until every one is Ready. Compared with the slower of the two floors (crypto, API) measured in the same run.
enum IssuanceSuite {
    static let name = "issuance"

    static func run(report: Report, quick: Bool, sizes: [Int], cryptoFloor: Double?, apiFloor: Double?) async throws {
        for count in sizes {
            try await measure(count: count, report: report, cryptoFloor: cryptoFloor, apiFloor: apiFloor)
        }
        // What `--concurrency` should default to: throughput by worker count, same N, next to the default's.
        guard !quick else { return }
        var byWorkers: [Int: Double] = [:]
        for workers in concurrencySweep {
            byWorkers[workers] = try await measure(count: 2_000, concurrency: workers, report: nil, cryptoFloor: nil, apiFloor: nil)
        }
        for workers in concurrencySweep where workers != defaultConcurrency {
            guard let rate = byWorkers[workers] else { continue }
            report.add(Figure(name, "N = 2,000, --concurrency \(workers): throughput", rate, "certs/s",
                              baseline: byWorkers[defaultConcurrency].map { ("--concurrency \(defaultConcurrency) (the default)", $0) }))
        }
    }

    static let concurrencySweep = [2, 4, 8, 16]
    static let defaultConcurrency = 8

    /// A CA Certificate, issued by an operator that is then stopped, so the measured run starts from a ready issuer.
    static func prepareCA(_ cluster: BenchCluster, tracker: CertificateTracker) async throws {
        _ = try await cluster.client.create(Workload.ca())
        let bootstrap = await OperatorRunner(cluster: cluster)
        bootstrap.start()
        let ready = try await tracker.wait(timeout: 120) { $0.entry(Workload.caName)?.readyAt != nil }
        await bootstrap.stop()
        guard ready else { throw Subprocess.Failure(description: "the bench CA did not become Ready") }
    }

    /// Waits until the controller has sent nothing for `quiet` seconds (bounded by `timeout`).
    static func waitForQuiet(_ cluster: BenchCluster, quiet: TimeInterval = 1, timeout: TimeInterval = 60) async throws {
        var last = -1
        var stableSince = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            let count = await cluster.controllerRequests().count
            if count != last {
                last = count
                stableSince = ContinuousClock.now
            } else if ContinuousClock.now - stableSince >= .seconds(quiet) {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Issues `count` leaves and returns the throughput; with a report, also adds its figures.
    @discardableResult
    private static func measure(count: Int, concurrency: Int = defaultConcurrency, report: Report?, cryptoFloor: Double?,
                                apiFloor: Double?) async throws -> Double? {
        let cluster = try await BenchCluster.start()
        let tracker = await CertificateTracker(client: cluster.client)
        await tracker.start()
        try await prepareCA(cluster, tracker: tracker)
        try await cluster.create((0..<count).map { Workload.leaf($0) })
        await cluster.server.clearLogs()

        let runner = await OperatorRunner(cluster: cluster, concurrency: concurrency)
        let watch = Stopwatch()
        runner.start()
        let done = try await tracker.wait(timeout: Double(count) * 0.5 + 120) { $0.readyCount == count + 1 }
        let seconds = watch.seconds
        try await waitForQuiet(cluster)
        let requests = await cluster.controllerRequests()
        let reconciles = runner.reconcileCount
        await runner.stop()
        await tracker.stop()
        await cluster.stop()

        let label = "N = \(count.formatted())"
        guard done else {
            report?.note(name, "\(label): only \(tracker.readyCount - 1) of \(count) became Ready in time")
            return nil
        }
        let rate = Double(count) / seconds
        guard let report else { return rate }
        let floors = [cryptoFloor, apiFloor].compactMap { $0 }
        report.add(Figure(name, "\(label): all Ready after", seconds, "s"))
        report.add(Figure(name, "\(label): throughput", rate, "certs/s",
                          baseline: floors.min().map { ("min(crypto floor, API floor)", $0) }))
        summarize(requests, count: count, label: label, report: report)
        // Each certificate needs one reconcile; its own writes' watch events should not cause more.
        report.add(Figure(name, "\(label): reconciles per certificate", Double(reconciles) / Double(count + 1), "reconciles/cert"))
        return rate
    }

    /// Requests per certificate, reads and writes, with the writes broken down by resource.
    static func summarize(_ requests: [KubeAPIServer.RequestRecord], count: Int, label: String, report: Report) {
        let reads = requests.filter { [.get, .list, .watch].contains($0.verb) }
        let writes = requests.filter { $0.verb?.isMutating == true }
        report.add(Figure(name, "\(label): reads per certificate", Double(reads.count) / Double(count), "req/cert",
                          note: breakdown(reads)))
        report.add(Figure(name, "\(label): writes per certificate", Double(writes.count) / Double(count), "req/cert",
                          baseline: ("API floor (Secret create + status update)", 2), note: breakdown(writes)))
    }

    static func breakdown(_ requests: [KubeAPIServer.RequestRecord]) -> String {
        let groups = Dictionary(grouping: requests) { "\($0.verb?.rawValue ?? "?") \($0.resource ?? "?")" }
        return groups.sorted { $0.value.count > $1.value.count }.map { "\($0.key) \($0.value.count)" }.joined(separator: ", ")
    }
}
