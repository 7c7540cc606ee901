import ControllerRuntime
import Foundation
import KeywardCommands
import KeywardCore
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import Testing

/// The README's cluster quickstart, for real: keyward-apiserver, the operator's own wiring, and the installed kubectl.
@Suite("Quickstart with kubectl")
struct QuickstartTests {
    @Test("kubectl apply the quickstart, kubectl wait for Ready, kubectl get shows the printer columns")
    func quickstart() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-quickstart")
        var configuration = APIServerConfiguration()
        configuration.crdDirectories = [ExternalTool.repositoryRoot.appendingPathComponent("crds")]
        let server = try await APIServer.start(configuration)
        let kubeconfig = directory.url.appendingPathComponent("kubeconfig")
        try server.writeKubeconfig(to: kubeconfig)
        let client = KubernetesClient(configuration: try ClientConfiguration.load(kubeconfig: kubeconfig.path))
        let assembly = OperatorAssembly(client: client, concurrency: 2)
        let manager = await assembly.makeManager(elector: nil, health: nil)
        let operatorTask = Task { try await manager.run() }
        defer { operatorTask.cancel() }

        let kubectl = "/usr/bin/kubectl"
        func run(_ arguments: String...) async throws -> ExternalTool.Output {
            try await ExternalTool.run(kubectl, ["--kubeconfig", kubeconfig.path] + arguments, timeout: 120)
        }
        let quickstart = ExternalTool.repositoryRoot.appendingPathComponent("examples/quickstart.yaml").path
        let apply = try await run("apply", "-f", quickstart)
        #expect(apply.status == 0, "\(apply)")
        let wait = try await run("wait", "--for=condition=Ready", "certificate.keyward.dev/demo-web", "-n", "keyward-demo",
                                 "--timeout=90s")
        #expect(wait.status == 0, "\(wait)")

        let get = try await run("get", "certificates.keyward.dev", "-n", "keyward-demo")
        #expect(get.status == 0, "\(get)")
        let lines = get.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        let header = try #require(lines.first).map(String.init)
        #expect(header.contains("READY") && header.contains("AGE"), "header: \(header)")
        let web = try #require(lines.first { $0.first == "demo-web" })
        let readyColumn = try #require(header.firstIndex(of: "READY"))
        #expect(web.count > readyColumn && web[readyColumn] == "True", "row: \(web)")
        // Every cell reads well: a future timestamp in a `date` column would print as <invalid>.
        let wide = try await run("get", "certificates.keyward.dev", "-n", "keyward-demo", "-o", "wide")
        #expect(wide.status == 0, "\(wide)")
        for table in [get.stdout, wide.stdout] {
            #expect(!table.contains("<invalid>"), "\(table)")
            #expect(!table.contains("<unknown>"), "\(table)")
        }
        #expect(get.stdout.contains(" NOT AFTER "), "\(get.stdout)")
        let rotations = try await run("get", "secretrotations.keyward.dev", "-n", "keyward-demo", "-o", "wide")
        #expect(rotations.status == 0 && !rotations.stdout.contains("<invalid>"), "\(rotations)")

        // The Secret is there with the certificate, and no private key shows up in `kubectl describe`.
        let secret = try await run("get", "secret", "demo-web-tls", "-n", "keyward-demo", "-o", "jsonpath={.data.tls\\.crt}")
        #expect(secret.status == 0 && !secret.stdout.isEmpty, "\(secret)")
        let describe = try await run("describe", "certificate.keyward.dev/demo-web", "-n", "keyward-demo")
        #expect(describe.status == 0, "\(describe)")
        #expect(!describe.stdout.contains("PRIVATE KEY"))

        operatorTask.cancel()
        _ = await operatorTask.result
        client.shutdown()
        await server.shutdown()
    }
}
