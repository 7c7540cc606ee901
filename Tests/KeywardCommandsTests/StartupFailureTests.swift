import ControllerRuntime
import Foundation
import KeywardCommands
import KeywardCore
import KeywardTestSupport
import KubernetesClient
import Synchronization
import Testing

/// Fail loudly, never hang: the real `keyward` binary against a taken port, a missing CRD, an unreadable
/// kubeconfig and an API server that never answers. Every wait is bounded; the bounds are generous because the
/// machine is shared, and the tests assert on what happened (exit status, the stderr line), never on speed.
@Suite("Startup failures and signals")
struct StartupFailureTests {
    /// keyward-apiserver as a child process (with or without the CRDs) and the kubeconfig it wrote. A process, not
    /// the in-process server: the controllers these tests start exit abruptly with connections open, and the server
    /// is stopped right after; whatever that does to the server stays out of the test process.
    private func cluster(crds: Bool = true) async throws -> (server: ChildProcess, kubeconfig: String, directory: TemporaryDirectory) {
        let directory = try TemporaryDirectory(prefix: "keyward-startup")
        let kubeconfig = directory.path("kubeconfig")
        let executable = URL(fileURLWithPath: try keywardExecutable()).deletingLastPathComponent()
            .appendingPathComponent("keyward-apiserver").path
        let crdArguments = crds ? ["--crds", ExternalTool.repositoryRoot.appendingPathComponent("crds").path] : []
        let server = try ChildProcess(executable, ["--port", "0", "--kubeconfig", kubeconfig] + crdArguments)
        guard await within(60, { FileManager.default.fileExists(atPath: kubeconfig) }) else {
            throw ExternalTool.Failure(description: "keyward-apiserver did not start: \(server.stderr)")
        }
        return (server, kubeconfig, directory)
    }

    /// Stops a server from ``cluster(crds:)``.
    private func stop(_ server: ChildProcess) async {
        server.signal(SIGTERM)
        _ = await server.exitStatus(within: 30)
    }

    /// A kubeconfig whose server accepts connections and never answers (a wedged API server).
    private func silentKubeconfig(_ listener: SilentListener, in directory: TemporaryDirectory) async throws -> String {
        let (server, real, scratch) = try await cluster(crds: false)
        await stop(server)
        let text = try String(contentsOfFile: real, encoding: .utf8)
        let wedged = text.replacingOccurrences(of: #"https://127\.0\.0\.1:[0-9]+"#, with: "https://\(listener.address)",
                                               options: .regularExpression)
        withExtendedLifetime(scratch) {}
        return try directory.write("silent-kubeconfig", wedged)
    }

    @Test("keyward controller with its metrics address taken exits non-zero, naming the address and --metrics-address")
    func controllerMetricsPortTaken() async throws {
        let (server, kubeconfig, scratch) = try await cluster()
        let taken = try SilentListener()
        let controller = try ChildProcess(try keywardExecutable(), [
            "controller", "--kubeconfig", kubeconfig, "--metrics-address", taken.address, "--acme-http01-address", "127.0.0.1:0"])
        let status = await controller.exitStatus(within: 10)
        #expect(status != nil && status != 0, "still running or exit 0; stderr:\n\(controller.stderr)")
        let stderr = controller.stderr
        // One error-level line says it all: the address, why, and the flag.
        let errorLines = stderr.split(separator: "\n").filter { $0.contains(" ERROR ") }
        #expect(errorLines.count == 1, "\(stderr)")
        let line = errorLines.first.map(String.init) ?? ""
        #expect(line.contains(taken.address) && line.contains("--metrics-address") && line.contains("Address already in use"),
                "\(stderr)")
        #expect(!stderr.contains("\nError: "), "one error line, not ArgumentParser's second one: \(stderr)")
        await stop(server)
        withExtendedLifetime(scratch) {}
    }

    @Test("keyward controller without the CRDs installed exits non-zero saying which resource and what to install")
    func controllerWithoutCRDs() async throws {
        let (server, kubeconfig, scratch) = try await cluster(crds: false)
        let controller = try ChildProcess(try keywardExecutable(), [
            "controller", "--kubeconfig", kubeconfig, "--metrics-address", "127.0.0.1:0", "--acme-http01-address", "127.0.0.1:0"])
        let status = await controller.exitStatus(within: 15)
        #expect(status != nil && status != 0, "still running or exit 0; stderr:\n\(controller.stderr)")
        let stderr = controller.stderr
        #expect(stderr.contains("keyward.dev") && stderr.contains("kubectl apply -f crds/"), "\(stderr)")
        #expect(!stderr.contains("retrying"), "a missing CRD is not retried: \(stderr)")
        await stop(server)
        withExtendedLifetime(scratch) {}
    }

    @Test("keyward controller whose leader election Lease cannot exist (no such namespace) exits non-zero naming --lease-namespace")
    func controllerLeaseNamespaceMissing() async throws {
        let (server, kubeconfig, scratch) = try await cluster()
        let controller = try ChildProcess(try keywardExecutable(), [
            "controller", "--kubeconfig", kubeconfig, "--metrics-address", "127.0.0.1:0", "--acme-http01-address", "127.0.0.1:0", "--leader-elect",
            "--lease-namespace", "no-such-namespace"])
        let status = await controller.exitStatus(within: 15)
        #expect(status != nil && status != 0, "still running or exit 0; stderr:\n\(controller.stderr)")
        let errorLines = controller.stderr.split(separator: "\n").filter { $0.contains(" ERROR ") }
        #expect(errorLines.count == 1, "\(controller.stderr)")
        let line = errorLines.first.map(String.init) ?? ""
        #expect(line.contains("no-such-namespace") && line.contains("--lease-namespace"), "\(controller.stderr)")
        await stop(server)
        withExtendedLifetime(scratch) {}
    }

    @Test("keyward controller and keyward sync with an unreadable kubeconfig exit non-zero naming --kubeconfig")
    func unreadableKubeconfig() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-startup")
        let missing = directory.path("no-such-kubeconfig")
        for arguments in [["controller", "--kubeconfig", missing, "--metrics-address", "127.0.0.1:0", "--acme-http01-address", "127.0.0.1:0"],
                          ["sync", "--kubeconfig", missing, "--secret", "web-tls", "--dir", directory.path("out")]] {
            let process = try ChildProcess(try keywardExecutable(), arguments)
            let status = await process.exitStatus(within: 10)
            #expect(status != nil && status != 0, "\(arguments[0]): still running or exit 0; stderr:\n\(process.stderr)")
            #expect(process.stderr.contains("--kubeconfig") && process.stderr.contains(missing), "\(arguments[0]): \(process.stderr)")
        }
    }

    @Test("keyward controller and keyward sync blocked on an API server that never answers end on SIGTERM within the bound")
    func blockedStartupEndsOnSIGTERM() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-startup")
        let wedged = try SilentListener()
        let kubeconfig = try await silentKubeconfig(wedged, in: directory)
        let commands: [(String, [String], String)] = [
            ("controller", ["controller", "--kubeconfig", kubeconfig, "--metrics-address", "127.0.0.1:0", "--acme-http01-address", "127.0.0.1:0",
                            "--graceful-shutdown-timeout", "3"], "keyward controller starting"),
            ("sync", ["sync", "--kubeconfig", kubeconfig, "--secret", "web-tls", "--dir", directory.path("out"),
                      "--graceful-shutdown-timeout", "3", "--log-level", "debug"], ""),
        ]
        for (name, arguments, startedLine) in commands {
            for signal in [SIGTERM, SIGINT] {
                let process = try ChildProcess(try keywardExecutable(), arguments)
                if !startedLine.isEmpty {
                    #expect(await process.waitForOutput(startedLine, within: 30), "\(name): \(process.stderr)")
                } else {
                    try await Task.sleep(for: .milliseconds(500))  // any phase will do: the bound holds in all of them
                }
                #expect(process.isRunning, "\(name) should be waiting on the silent server: \(process.stderr)")
                process.signal(signal)
                // 3 s of graceful shutdown, then the hard deadline; 20 s only bounds a broken build.
                let status = await process.exitStatus(within: 20)
                #expect(status != nil, "\(name) ignored signal \(signal): \(process.stderr)")
            }
        }
    }

    @Test("keyward run without --once stops on SIGTERM with exit status 0")
    func standaloneRunStopsOnSIGTERM() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-startup")
        let examples = ExternalTool.repositoryRoot.appendingPathComponent("examples/standalone").path
        let process = try ChildProcess(try keywardExecutable(), [
            "run", "--manifests", examples, "--state", directory.path("state"), "--out", directory.path("out"),
            "--graceful-shutdown-timeout", "10"])
        // Running once the example's certificates are on disk; then SIGTERM ends it cleanly.
        let out = directory.path("out")
        #expect(await within(120) {
            (FileManager.default.enumerator(atPath: out)?.allObjects as? [String] ?? []).contains { $0.hasSuffix("cert.pem") }
        }, "\(process.stderr)")
        #expect(process.isRunning, "\(process.stderr)")
        process.signal(SIGTERM)
        let status = await process.exitStatus(within: 30)
        #expect(status == 0, "\(process.stderr)")
    }

    @Test("keyward run without --once and with unreadable manifests exits non-zero naming --manifests")
    func standaloneRunWithoutManifests() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-startup")
        let missing = directory.path("no-such-manifests")
        let process = try ChildProcess(try keywardExecutable(), [
            "run", "--manifests", missing, "--state", directory.path("state"), "--out", directory.path("out")])
        let status = await process.exitStatus(within: 10)
        #expect(status != nil && status != 0, "still running or exit 0; stderr:\n\(process.stderr)")
        let errorLines = process.stderr.split(separator: "\n").filter { $0.contains(" ERROR ") }
        #expect(errorLines.count == 1 && errorLines.first?.contains("--manifests") == true
                && errorLines.first?.contains(missing) == true, "\(process.stderr)")
    }

    @Test("the manager fails with the informer's error when a CRD is missing, instead of retrying forever")
    func managerFailsOnMissingCRD() async throws {
        let (server, kubeconfig, scratch) = try await cluster(crds: false)
        let client = KubernetesClient(configuration: try ClientConfiguration.load(kubeconfig: kubeconfig))
        let health = HealthState()
        let manager = await OperatorAssembly(client: client).makeManager(elector: nil, health: health)
        let outcome = Mutex<String?>(nil)
        let running = Task {
            do {
                try await manager.run()
                outcome.withLock { $0 = "returned without an error" }
            } catch {
                outcome.withLock { $0 = error is InformerStartupError ? "startup error: \(error)" : "other error: \(error)" }
            }
        }
        let ended = await within(30) { outcome.withLock { $0 != nil } }
        if !ended { running.cancel() }
        #expect(ended, "the manager kept retrying")
        let text = outcome.withLock { $0 } ?? ""
        #expect(text.hasPrefix("startup error:") && text.contains("keyward.dev"), "\(text)")
        #expect(!health.readiness().isHealthy)
        client.shutdown()
        await stop(server)
        withExtendedLifetime(scratch) {}
    }
}
