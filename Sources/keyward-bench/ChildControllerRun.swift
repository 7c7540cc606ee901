import Foundation
import KubeAPIServer

/// A `keyward controller` child process (this executable re-run) against a bench cluster holding N leaf Certificates
/// from one ready CA, plus optional unrelated Secrets: the memory and scale suites' shared measurement. The figures
/// are the child's own (peak RSS) and the cluster's view of its requests, not the bench's or the API server's.
struct ChildControllerRun {
    var certificates: Int
    var unrelatedSecrets = 0
    /// With a value, the child resyncs every so many seconds and the run counts requests over two resyncs.
    var resyncInterval: TimeInterval?

    struct Result {
        /// From the child's start until every Certificate is Ready; nil if they did not all become Ready in time.
        var readySeconds: Double?
        var peakMiB: Double?
        /// File-backed RSS when the peak was read: the executable's and libraries' pages, not the controller's heap.
        var fileMiB: Double?
        /// Requests per resync once idle (nil without `resyncInterval`), and what they were.
        var requestsPerResync: Double?
        var resyncRequests: String = ""

    }

    func run() async throws -> Result {
        let cluster = try await BenchCluster.start(namespaces: [BenchCluster.namespace, "unrelated"])
        let scratch = try Paths.scratchDirectory("child-controller")
        defer { try? FileManager.default.removeItem(at: scratch) }
        if unrelatedSecrets > 0 { try await cluster.createUnrelatedSecrets(unrelatedSecrets, namespace: "unrelated") }
        let tracker = await CertificateTracker(client: cluster.client)
        await tracker.start()
        if certificates > 0 {
            try await IssuanceSuite.prepareCA(cluster, tracker: tracker)
            try await cluster.create((0..<certificates).map { Workload.leaf($0) })
        }

        let kubeconfig = scratch.appendingPathComponent("kubeconfig")
        try cluster.writeControllerKubeconfig(to: kubeconfig)
        await cluster.server.clearLogs()
        var arguments = [
            "keyward", "controller", "--kubeconfig", kubeconfig.path, "--metrics-address", "127.0.0.1:0",
            "--acme-http01-address", "127.0.0.1:0",
            // Memory and scale, not the client's request budget, are measured: --qps 10 would spread 10,000
            // issuances over an hour.
            "--max-issuance-rate", "1000000", "--qps", "100000", "--burst", "100000", "--log-level", "error",
        ]
        if let resyncInterval { arguments += ["--resync-interval", String(Int(resyncInterval))] }
        let watch = Stopwatch()
        var executable = Paths.selfExecutable.path
        // A profiler to run the child under (docs/benchmarks.md, "Profiling the controller child").
        let wrapper = ProcessInfo.processInfo.environment["KEYWARD_BENCH_CHILD_WRAPPER"]?.split(separator: " ").map(String.init) ?? []
        if let command = wrapper.first {
            arguments = wrapper.dropFirst() + [executable] + arguments
            executable = command
        }
        let child = try Subprocess.Child(executable, arguments, logDirectory: scratch)
        let expected = certificates == 0 ? 0 : certificates + 1
        let ready = try await tracker.wait(timeout: Double(certificates) * 0.05 + 300) { $0.readyCount == expected }
        let readySeconds = watch.seconds
        // Started, listed, and then nothing left to do.
        var settled = try await SteadyStateSuite.wait(timeout: 60) { await !cluster.controllerRequests().isEmpty } && ready
        try await IssuanceSuite.waitForQuiet(cluster, quiet: 2, timeout: 120)
        var requestsPerResync: Double?
        var resyncRequests = ""
        if let resyncInterval, settled {
            await cluster.server.clearLogs()
            try await Task.sleep(for: .seconds(2 * resyncInterval + 1))
            let requests = await cluster.controllerRequests()
            requestsPerResync = Double(requests.count) / 2
            resyncRequests = IssuanceSuite.breakdown(requests)
        }
        let memory = ResidentMemory.read(pid: child.pid)
        await child.terminate()
        if child.status != 0 {
            emit("  [child controller] exited with \(child.status): \(child.stderr.suffix(2_000))")
            settled = false
        }
        await tracker.stop()
        await cluster.stop()
        return Result(readySeconds: ready ? readySeconds : nil, peakMiB: settled ? memory?.peakMiB : nil,
                      fileMiB: settled ? memory?.fileMiB : nil,
                      requestsPerResync: requestsPerResync, resyncRequests: resyncRequests)
    }
}
