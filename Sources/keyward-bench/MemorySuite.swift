import Foundation
import KeywardAPI
import KubeAPIServer

/// Suite 6, memory: the controller's peak resident memory with N Certificates and their Secrets, plus many
/// unrelated Secrets elsewhere in the cluster (the shape of cert-manager's published table). The controller is a
/// child process — this executable re-run as `keyward controller` — so the figure is its own, not the bench's or
/// the API server's. Baseline: the same controller idling against an empty cluster.
enum MemorySuite {
    static let name = "memory"

    static func run(report: Report, quick: Bool) async throws {
        let unrelated = quick ? 2_000 : 50_000
        let idle = try await measure(certificates: 0, unrelated: 0)
        if let idle { report.add(Figure(name, "idle controller, empty cluster: peak RSS", idle, "MiB")) }
        for count in quick ? [100] : [1_000, 10_000] {
            guard let peak = try await measure(certificates: count, unrelated: unrelated) else {
                report.note(name, "N = \(count): the controller did not settle; no figure")
                continue
            }
            let peer: String = switch count {
            case 1_000: "cert-manager v1.14.5: 95 MB"
            case 10_000: "cert-manager v1.14.5: 528 MB"
            default: "cert-manager v1.14.5: 95 MB at 1k"
            }
            report.add(Figure(name, "N = \(count.formatted()) + \(unrelated.formatted()) unrelated Secrets: peak RSS", peak, "MiB",
                              baseline: idle.map { ("idle controller", $0) }, note: peer))
        }
    }

    /// Peak RSS in MiB of a `keyward controller` that has made every Certificate Ready and gone quiet.
    private static func measure(certificates count: Int, unrelated: Int) async throws -> Double? {
        let cluster = try await BenchCluster.start(namespaces: [BenchCluster.namespace, "unrelated"])
        let scratch = try Paths.scratchDirectory("memory")
        defer { try? FileManager.default.removeItem(at: scratch) }
        if unrelated > 0 { try await cluster.createUnrelatedSecrets(unrelated, namespace: "unrelated") }
        let tracker = await CertificateTracker(client: cluster.client)
        await tracker.start()
        if count > 0 {
            try await IssuanceSuite.prepareCA(cluster, tracker: tracker)
            try await cluster.create((0..<count).map { Workload.leaf($0) })
        }

        let kubeconfig = scratch.appendingPathComponent("kubeconfig")
        try cluster.writeControllerKubeconfig(to: kubeconfig)
        await cluster.server.clearLogs()
        let child = try Subprocess.Child(Paths.selfExecutable.path, [
            "keyward", "controller", "--kubeconfig", kubeconfig.path, "--metrics-address", "127.0.0.1:0", "--acme-http01-address", "127.0.0.1:0",
            "--max-issuance-rate", "1000000", "--log-level", "error",
        ], logDirectory: scratch)
        let expected = count == 0 ? 0 : count + 1
        var settled = try await tracker.wait(timeout: Double(count) * 0.5 + 120) { $0.readyCount == expected }
        // Started, listed, and then nothing left to do.
        settled = try await SteadyStateSuite.wait(timeout: 60) { await !cluster.controllerRequests().isEmpty } && settled
        try await IssuanceSuite.waitForQuiet(cluster, quiet: 2)
        let memory = ResidentMemory.read(pid: child.pid)
        await child.terminate()
        if child.status != 0 {
            emit("  [memory] controller exited with \(child.status): \(child.stderr.suffix(2_000))")
        }
        await tracker.stop()
        await cluster.stop()
        return settled ? memory?.peakMiB : nil
    }
}
