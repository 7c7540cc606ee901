import Foundation
import KeywardAPI
import KeywardTestSupport
import KubernetesClient
import KubernetesResources
import NotificationController
import Notifications
import Testing

/// Notifications from the real `keyward controller` against keyward-apiserver: signed deliveries a loopback receiver
/// verifies, the cooldown kept in the cluster across a controller restart, and a dead letter `keyward notify replay`
/// delivers once the receiver recovers.
@Suite("Cluster notifications: restart cooldown, dead letters, replay")
struct ClusterNotificationTests {
    static let rawKey = "cluster-notify-signing-key-0123456789"

    @Test("no duplicate within the cooldown after a controller restart; a failing receiver's dead letter is replayed from the ConfigMap")
    func restartAndReplay() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-cluster-notify")
        let kubeconfig = directory.path("kubeconfig")
        let apiserver = URL(fileURLWithPath: try keywardExecutable()).deletingLastPathComponent()
            .appendingPathComponent("keyward-apiserver").path
        let server = try ChildProcess(apiserver, ["--port", "0", "--kubeconfig", kubeconfig,
                                                  "--crds", ExternalTool.repositoryRoot.appendingPathComponent("crds").path])
        defer { server.signal(SIGTERM) }
        #expect(await within(60) { FileManager.default.fileExists(atPath: kubeconfig) }, "\(server.stderr)")
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let keyFile = try directory.write("notify.key", Self.rawKey)
        let client = KubernetesClient(configuration: try ClientConfiguration.load(kubeconfig: kubeconfig))
        defer { client.shutdown() }

        func controller() throws -> ChildProcess {
            var environment = ProcessInfo.processInfo.environment
            environment["POD_NAMESPACE"] = "default"
            return try ChildProcess(try keywardExecutable(), [
                "controller", "--kubeconfig", kubeconfig, "--metrics-address", "127.0.0.1:0", "--acme-http01-address", "127.0.0.1:0",
                "--notify-url", receiver.url, "--notify-signing-key-file", keyFile, "--notify-attempts", "2",
                "--egress-allow-cidr", "127.0.0.0/8",
            ], environment: environment)
        }
        func stop(_ process: ChildProcess) async {
            process.signal(SIGTERM)
            if await process.exitStatus(within: 30) == nil { process.signal(SIGKILL) }
        }
        /// A Certificate whose issuer does not exist: IssuerNotReady at once, the IssuanceFailing class.
        func createBroken(_ name: String) async throws {
            _ = try await client.create(Certificate(
                metadata: ObjectMeta(name: name, namespace: "default"),
                spec: Certificate.Spec(secretName: "\(name)-tls", issuer: .init(issuerRef: .init(kind: .issuer, name: "missing")),
                                       commonName: "\(name).example.com", dnsNames: ["\(name).example.com"])), namespace: "default")
        }
        func firings(for name: String) throws -> [NotificationPayload] {
            try verifiedPayloads(receiver.received.filter { $0.answeredWith == 200 }, rawKey: Data(Self.rawKey.utf8))
                .filter { $0.object.name == name && $0.state == .firing }
        }

        try await createBroken("web")
        let first = try controller()
        let delivered = try await within(90, every: .milliseconds(100)) { try firings(for: "web").count == 1 }
        #expect(delivered, "no notification for web\n\(first.stderr)")
        let payload = try #require(try firings(for: "web").first)
        #expect(payload.alertClass == .issuanceFailing && payload.object == NotificationObject(kind: "Certificate", namespace: "default", name: "web"))
        #expect(payload.message.contains("missing"), "\(payload.message)")
        await stop(first)
        #expect(!first.stderr.contains(Self.rawKey))

        // The cooldown is in the cluster: a new process sees web's class still active and sends nothing for it. A
        // second Certificate created after the restart shows the new controller is delivering.
        let second = try controller()
        try await createBroken("api")
        let secondDelivers = try await within(90, every: .milliseconds(100)) { try firings(for: "api").count == 1 }
        #expect(secondDelivers, "\(second.stderr)")
        #expect(try firings(for: "web").count == 1, "a duplicate for web inside the cooldown")
        let state = try await client.get(ConfigMap.self, name: ConfigMapNotificationStateStore.defaultName, namespace: "default")
        let stored = try NotificationState.decode(Data(try #require(state.data?[ConfigMapNotificationStateStore.dataKey]).utf8))
        #expect(stored.records[NotificationState.key(payload.object, .issuanceFailing)]?.active == true)

        // A receiver failing every attempt: the notification becomes a dead letter in the ConfigMap.
        receiver.respond(with: 503)
        try await createBroken("db")
        let deadLettered = try await within(90, every: .milliseconds(200)) {
            let configMap = try await client.get(ConfigMap.self, name: ConfigMapNotificationStateStore.defaultName, namespace: "default")
            let text = configMap.data?[ConfigMapNotificationStateStore.dataKey] ?? "{}"
            return (try? NotificationState.decode(Data(text.utf8)))?.deadLetters.contains { $0.payload.object.name == "db" } == true
        }
        #expect(deadLettered, "\(second.stderr)")
        let list = try ChildProcess(try keywardExecutable(), ["notify", "list", "--kubeconfig", kubeconfig, "-n", "default"])
        #expect(await list.exitStatus(within: 60) == 0 && list.stdout.contains("Certificate/default/db"), "\(list.stdout)\(list.stderr)")

        receiver.respond(with: 200)
        let replay = try ChildProcess(try keywardExecutable(), [
            "notify", "replay", "--kubeconfig", kubeconfig, "-n", "default", "--notify-signing-key-file", keyFile,
            "--notify-url", receiver.url, "--egress-allow-cidr", "127.0.0.0/8"])
        #expect(await replay.exitStatus(within: 120) == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("1 delivered, 0 still failing"), "\(replay.stdout)")
        #expect(try firings(for: "db").count == 1)
        await stop(second)
    }

    @Test("a renewal nginx never reloads (keyward sync without a reload action): the controller sends one signed EndpointStale")
    func endpointStale() async throws {
        let name = "web.notify.test"
        let directory = try TemporaryDirectory(prefix: "keyward-cluster-stale")
        let kubeconfig = directory.path("kubeconfig")
        let binary = try keywardExecutable()
        let apiserver = URL(fileURLWithPath: binary).deletingLastPathComponent().appendingPathComponent("keyward-apiserver").path
        let server = try ChildProcess(apiserver, ["--port", "0", "--kubeconfig", kubeconfig,
                                                  "--crds", ExternalTool.repositoryRoot.appendingPathComponent("crds").path])
        defer { server.signal(SIGTERM) }
        #expect(await within(60) { FileManager.default.fileExists(atPath: kubeconfig) }, "\(server.stderr)")
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let keyFile = try directory.write("notify.key", Self.rawKey)
        let client = KubernetesClient(configuration: try ClientConfiguration.load(kubeconfig: kubeconfig))
        defer { client.shutdown() }
        func certificate() async -> Certificate? { try? await client.get(Certificate.self, name: "web", namespace: "default") }
        func edit(_ change: (inout Certificate) -> Void) async throws {
            var current = try await client.get(Certificate.self, name: "web", namespace: "default")
            change(&current)
            _ = try await client.update(current)
        }
        func stale() throws -> [NotificationPayload] {
            try verifiedPayloads(receiver.received, rawKey: Data(Self.rawKey.utf8)).filter { $0.alertClass == .endpointStale }
        }
        _ = try await client.create(Certificate(
            metadata: ObjectMeta(name: "web", namespace: "default"),
            spec: Certificate.Spec(secretName: "web-tls", issuer: .init(selfSigned: .init()), commonName: name, dnsNames: [name],
                                   duration: "720h")), namespace: "default")
        var environment = ProcessInfo.processInfo.environment
        environment["POD_NAMESPACE"] = "default"
        let controller = try ChildProcess(binary, [
            "controller", "--kubeconfig", kubeconfig, "--metrics-address", "127.0.0.1:0", "--acme-http01-address", "127.0.0.1:0",
            "--notify-url", receiver.url, "--notify-signing-key-file", keyFile, "--egress-allow-cidr", "127.0.0.0/8",
        ], environment: environment)
        defer { controller.signal(SIGKILL) }
        // The sidecar mirrors the Secret into files and has no reload action: nginx keeps what it loaded at start.
        let certs = directory.path("certs")
        let sidecar = try ChildProcess(binary, ["sync", "--secret", "web-tls", "-n", "default", "--dir", certs, "--layout", "certificate",
                                                "--kubeconfig", kubeconfig])
        defer { sidecar.signal(SIGKILL) }
        #expect(await within(90) { FileManager.default.fileExists(atPath: "\(certs)/fullchain.pem") }, "\(controller.stderr)")
        let nginx = try await NginxServer(certificateFile: "\(certs)/fullchain.pem", keyFile: "\(certs)/privkey.pem")
        try await edit { $0.spec.endpoints = [Certificate.Endpoint(address: nginx.address, serverName: name)] }
        #expect(await within(90, every: .milliseconds(200)) {
            await certificate()?.status?.conditions[type: Certificate.ConditionType.served]?.reason == Certificate.Reason.servedCurrent
        }, "\(controller.stderr)")

        try await edit { $0.metadata.annotations["keyward.dev/renew"] = "stale-1" }
        let fired = try await within(90, every: .milliseconds(200)) { try stale().contains { $0.state == .firing } }
        #expect(fired, "no EndpointStale notification\n\(controller.stderr)")
        let served = await certificate()?.status?.conditions[type: Certificate.ConditionType.served]
        #expect(served?.status == .false && served?.reason == Certificate.Reason.servedStale)
        let notified = try stale()
        #expect(notified.count == 1 && notified.first?.message.contains(nginx.address) == true, "\(notified)")
        controller.signal(SIGTERM)
        _ = await controller.exitStatus(within: 30)
        await nginx.stop()
    }
}
