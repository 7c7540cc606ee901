import Foundation
import KeywardAPI
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import Testing

/// `keyward controller --poll-interval`: for API paths where watch is unavailable, the same operator lists on an
/// interval instead of watching, and still converges — including on changes made after it started.
@Suite("Poll mode")
struct PollModeTests {
    @Test func controllerConvergesByListingWithoutEverWatching() async throws {
        let namespace = "polled"
        let cluster = try await OperatorCluster.start(users: ["keyward"], namespaces: [namespace])
        try await cluster.create(FaultWorkload.ca(namespace))
        let controller = try ControllerProcess(
            kubeconfig: try cluster.kubeconfig(for: "keyward"), logPath: cluster.directory.path("poll.log"),
            extraArguments: ["--namespace", namespace, "--poll-interval", "0.5"])

        // Objects created before the first list and after it (found only by a later poll) both become Ready.
        let names = [FaultWorkload.caName, "before", "after"]
        try await cluster.create(FaultWorkload.leaf("before", namespace))
        var problems: [String] = []
        let first = await within(60) {
            problems = (try? await convergenceProblems(cluster, namespace: namespace, expected: Array(names.prefix(2)))) ?? ["cannot list"]
            return problems.isEmpty
        }
        #expect(first, "not converged: \(problems)")
        try await cluster.create(FaultWorkload.leaf("after", namespace))
        let second = await within(60) {
            problems = (try? await convergenceProblems(cluster, namespace: namespace, expected: names)) ?? ["cannot list"]
            return problems.isEmpty
        }
        #expect(second, "not converged: \(problems)")
        #expect(await controller.terminate() == 0)

        let requests = await cluster.server.requestLog().filter { $0.user == "keyward" }
        let watches = requests.filter { $0.verb == .watch }
        #expect(watches.isEmpty, "poll mode sent \(watches.count) watch requests: \(watches.prefix(3).map(\.path))")
        let certificateLists = requests.filter { $0.verb == .list && $0.resource == "certificates" }
        #expect(certificateLists.count >= 2, "the certificates were listed repeatedly (\(certificateLists.count) lists)")
        #expect(controller.log.contains("poll every 0.5 s"), "the start line names the discovery mode")
        await cluster.stop()
    }

    @Test func rejectsANonsensePollInterval() async throws {
        let cluster = try await OperatorCluster.start(users: ["keyward"], namespaces: [])
        let controller = try ControllerProcess(
            kubeconfig: try cluster.kubeconfig(for: "keyward"), logPath: cluster.directory.path("bad.log"),
            extraArguments: ["--poll-interval", "0"])
        let exited = await within(30) { !controller.isRunning }
        #expect(exited)
        #expect(controller.log.contains("--poll-interval must be at least 0.1 seconds"), "\(controller.log)")
        await cluster.stop()
    }
}
