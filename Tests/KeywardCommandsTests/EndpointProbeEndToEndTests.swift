import Foundation
import KeywardAPI
import KeywardTestSupport
import KubernetesClient
import KubernetesResources
import Notifications
import StandaloneStore
import Testing

/// The end-to-end scenario with real processes: nginx-light serving a Certificate's files, and the probe
/// telling whether it serves the renewed one. In a cluster the files come from `keyward sync` (keyward-apiserver,
/// `keyward controller`); standalone from `keyward run --out`.
@Suite("Endpoint probes end to end with nginx")
struct EndpointProbeEndToEndTests {
    static let name = "web.probe.test"

    /// Served condition and the first endpoint's served serial, from a Certificate.
    static func served(_ certificate: Certificate?) -> (status: String, reason: String, servedSerial: String?, failedChecks: Int)? {
        guard let condition = certificate?.status?.conditions.first(where: { $0.type == "Served" }) else { return nil }
        let entry = certificate?.status?.endpoints.first
        return (condition.status.rawValue, condition.reason, entry?.servedSerial, entry?.failedChecks ?? 0)
    }

    @Test("cluster: Stale while nginx serves the old serial, Current once keyward sync's reload lands; without a reload it stays Stale")
    func clusterWithSync() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-probe-e2e")
        let kubeconfig = directory.path("kubeconfig")
        let binary = try keywardExecutable()
        let apiserver = URL(fileURLWithPath: binary).deletingLastPathComponent().appendingPathComponent("keyward-apiserver").path
        let server = try ChildProcess(apiserver, ["--port", "0", "--kubeconfig", kubeconfig,
                                                  "--crds", ExternalTool.repositoryRoot.appendingPathComponent("crds").path])
        defer { server.signal(SIGTERM) }
        #expect(await within(60) { FileManager.default.fileExists(atPath: kubeconfig) }, "\(server.stderr)")
        let client = KubernetesClient(configuration: try ClientConfiguration.load(kubeconfig: kubeconfig))
        defer { client.shutdown() }
        func certificate() async -> Certificate? { try? await client.get(Certificate.self, name: "web", namespace: "default") }
        func edit(_ change: (inout Certificate) -> Void) async throws {
            var current = try await client.get(Certificate.self, name: "web", namespace: "default")
            change(&current)
            _ = try await client.update(current)
        }

        _ = try await client.create(Certificate(
            metadata: ObjectMeta(name: "web", namespace: "default"),
            spec: Certificate.Spec(secretName: "web-tls", issuer: .init(selfSigned: .init()), commonName: Self.name,
                                   dnsNames: [Self.name], duration: "720h")), namespace: "default")
        // Signed notifications to a loopback receiver: a stale endpoint is an alert-class transition.
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let rawKey = "endpoint-probe-notify-key-0123456789"
        let keyFile = try directory.write("notify.key", rawKey)
        var environment = ProcessInfo.processInfo.environment
        environment["POD_NAMESPACE"] = "default"
        let controller = try ChildProcess(binary, [
            "controller", "--kubeconfig", kubeconfig, "--metrics-address", "127.0.0.1:0", "--acme-http01-address", "127.0.0.1:0",
            "--egress-allow-cidr", "127.0.0.0/8", "--notify-url", receiver.url, "--notify-signing-key-file", keyFile],
            environment: environment)
        defer { controller.signal(SIGKILL) }

        // The sidecar writes the files; its reload action waits for the test's gate, so the window in which nginx
        // still serves the old certificate is the test's to observe, not a race.
        let certs = directory.path("certs")
        let gate = directory.path("gate")
        let pidPath = directory.path("nginx.pid.path")
        let script = try directory.write("reload.sh", """
            i=0
            while [ ! -e '\(gate)' ] && [ $i -lt 450 ]; do sleep 0.1; i=$((i+1)); done
            [ -e '\(gate)' ] && kill -HUP "$(cat "$(cat '\(pidPath)')")"

            """)
        func sync(reload: Bool) throws -> ChildProcess {
            try ChildProcess(binary, ["sync", "--secret", "web-tls", "-n", "default", "--dir", certs, "--layout", "certificate",
                                      "--kubeconfig", kubeconfig] + (reload ? ["--on-change-exec", "sh \(script)"] : []))
        }
        var sidecar = try sync(reload: true)
        let synced = await within(90) { FileManager.default.fileExists(atPath: "\(certs)/fullchain.pem") }
        #expect(synced, "\(controller.stderr)\n\(sidecar.stderr)")
        let nginx = try await NginxServer(certificateFile: "\(certs)/fullchain.pem", keyFile: "\(certs)/privkey.pem")
        try directory.write("nginx.pid.path", nginx.pidFile)

        try await edit { $0.spec.endpoints = [Certificate.Endpoint(address: nginx.address, serverName: Self.name)] }
        let current = await within(90, every: .milliseconds(200)) { Self.served(await certificate())?.reason == "Current" }
        #expect(current, "Served=True Current at first\n\(controller.stderr)")
        let first = try #require(await certificate()?.status?.serialNumber)

        // Forced renewal; the reload waits at the gate.
        try await edit { $0.metadata.annotations["keyward.dev/renew"] = "e2e-1" }
        let stale = await within(90, every: .milliseconds(200)) {
            let cert = await certificate()
            return cert?.status?.serialNumber != first && Self.served(cert)?.reason == "StaleCertificate"
        }
        let second = try #require(await certificate()?.status?.serialNumber)
        #expect(stale, "Served=False StaleCertificate after the renewal\n\(controller.stderr)")
        #expect(Self.served(await certificate())?.status == "False")
        #expect(Self.served(await certificate())?.servedSerial == first, "nginx still serves the old serial")
        let mismatch = try ChildProcess(binary, ["probe", nginx.address, "--servername", Self.name, "--expect-secret", "default/web-tls",
                                                 "--kubeconfig", kubeconfig])
        #expect(await mismatch.exitStatus(within: 60) == 1 && mismatch.stdout.contains("MISMATCH: serves serial \(first)"),
                "\(mismatch.stdout)\(mismatch.stderr)")

        // The sidecar's reload lands.
        try directory.write("gate", "open")
        let reloaded = await within(90, every: .milliseconds(200)) {
            let served = Self.served(await certificate())
            return served?.reason == "Current" && served?.servedSerial == second
        }
        #expect(reloaded, "Served=True Current once nginx reloaded\n\(controller.stderr)\n\(nginx.errorLog)")
        let matches = try ChildProcess(binary, ["probe", nginx.address, "--servername", Self.name, "--expect-secret", "default/web-tls",
                                                "--kubeconfig", kubeconfig])
        #expect(await matches.exitStatus(within: 60) == 0, "\(matches.stdout)\(matches.stderr)")

        // The reload action disabled: the next renewal stays Stale through the prompt retries.
        sidecar.signal(SIGTERM)
        _ = await sidecar.exitStatus(within: 30)
        sidecar = try sync(reload: false)
        try await edit { $0.metadata.annotations["keyward.dev/renew"] = "e2e-2" }
        let staysStale = await within(120, every: .milliseconds(500)) {
            let cert = await certificate()
            guard cert?.status?.serialNumber != second, let served = Self.served(cert) else { return false }
            return served.reason == "StaleCertificate" && served.failedChecks >= 3
        }
        #expect(staysStale, "still StaleCertificate after three probes\n\(controller.stderr)")
        // The stale endpoint fired a signed EndpointStale notification (the cooldown keeps it to one per hour).
        let notified = try await within(60, every: .milliseconds(200)) {
            try verifiedPayloads(receiver.received.filter { $0.answeredWith == 200 }, rawKey: Data(rawKey.utf8))
                .contains { $0.alertClass == .endpointStale && $0.state == .firing && $0.object.name == "web" }
        }
        #expect(notified, "an EndpointStale notification\n\(controller.stderr)")
        #expect(Self.served(await certificate())?.servedSerial == second)
        sidecar.signal(SIGTERM)
        controller.signal(SIGTERM)
        _ = await controller.exitStatus(within: 30)
        await nginx.stop()
    }

    @Test("standalone: keyward run --out files, Stale until nginx reloads them, Current after")
    func standaloneRun() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-probe-run")
        let manifests = directory.path("manifests")
        try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
        let state = directory.path("state")
        let out = directory.path("out")
        func manifest(endpoint: String?, renew: String?) throws {
            var text = """
                apiVersion: keyward.dev/v1alpha1
                kind: Certificate
                metadata:
                  name: web
                  namespace: default

                """
            if let renew { text += "  annotations:\n    keyward.dev/renew: \"\(renew)\"\n" }
            text += """
                spec:
                  secretName: web-tls
                  commonName: \(Self.name)
                  dnsNames: [\(Self.name)]
                  duration: 720h
                  issuer: {selfSigned: {}}
                  files: {}

                """
            if let endpoint { text += "  endpoints:\n    - address: \"\(endpoint)\"\n      serverName: \(Self.name)\n" }
            try text.write(toFile: "\(manifests)/web.yaml", atomically: true, encoding: .utf8)
        }
        func certificate() async -> Certificate? {
            try? await FileResourceStore(stateDirectory: state).get(Certificate.self, namespace: "default", name: "web")
        }
        try manifest(endpoint: nil, renew: nil)
        let binary = try keywardExecutable()
        let run = try ChildProcess(binary, ["run", "--manifests", manifests, "--state", state, "--out", out, "--poll-interval", "1",
                                            "--egress-allow-cidr", "127.0.0.0/8"])
        defer { run.signal(SIGKILL) }
        let files = "\(out)/default/web"
        #expect(await within(90) { FileManager.default.fileExists(atPath: "\(files)/fullchain.pem") }, "\(run.stderr)")
        let nginx = try await NginxServer(certificateFile: "\(files)/fullchain.pem", keyFile: "\(files)/privkey.pem")

        try manifest(endpoint: nginx.address, renew: nil)
        let current = await within(90, every: .milliseconds(200)) { Self.served(await certificate())?.reason == "Current" }
        #expect(current, "Served=True Current\n\(run.stderr)")
        let first = try #require(await certificate()?.status?.serialNumber)

        try manifest(endpoint: nginx.address, renew: "run-1")
        let stale = await within(90, every: .milliseconds(200)) {
            let cert = await certificate()
            return cert?.status?.serialNumber != first && Self.served(cert)?.reason == "StaleCertificate"
        }
        #expect(stale, "Served=False StaleCertificate while nginx serves the old files\n\(run.stderr)")
        #expect(Self.served(await certificate())?.servedSerial == first)
        let second = try #require(await certificate()?.status?.serialNumber)
        let mismatch = try ChildProcess(binary, ["probe", nginx.address, "--servername", Self.name,
                                                 "--expect-secret", "default/web-tls", "--state", state])
        #expect(await mismatch.exitStatus(within: 60) == 1 && mismatch.stdout.contains("MISMATCH"), "\(mismatch.stdout)\(mismatch.stderr)")

        // The consumer reloads the --out files: the prompt retries find the new serial.
        try await nginx.reload()
        let reloaded = await within(90, every: .milliseconds(200)) {
            let served = Self.served(await certificate())
            return served?.reason == "Current" && served?.servedSerial == second
        }
        #expect(reloaded, "Served=True Current after the reload\n\(run.stderr)\n\(nginx.errorLog)")
        let events = (try? String(contentsOfFile: "\(state)/events.log", encoding: .utf8)) ?? ""
        #expect(events.contains("StaleCertificate") && events.contains("\"Current\""), "Served transitions are Events")
        run.signal(SIGTERM)
        _ = await run.exitStatus(within: 30)
        await nginx.stop()
    }
}
