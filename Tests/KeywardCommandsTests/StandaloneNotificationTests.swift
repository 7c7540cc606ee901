import Foundation
import KeywardAPI
import KeywardTestSupport
import KubernetesClient
import Notifications
import StandaloneStore
import Testing

/// `keyward run` with the controller's notification flags: the state folder keeps cooldowns and dead letters, and
/// `keyward notify replay --state` delivers what a failing receiver missed.
@Suite("Standalone notifications: keyward run, notify list, notify replay")
struct StandaloneNotificationTests {
    static let rawKey = "standalone-notify-signing-key-0123456789"

    @Test("a failing receiver leaves a dead letter; replay delivers it signed once the receiver recovers; a second run sends no duplicate; Alertmanager lists the alert")
    func deadLetterReplayAndCooldown() async throws {
        let alertmanager = try await AlertmanagerServer()
        do { try await scenario(alertmanager) } catch {
            await alertmanager.stop()
            throw error
        }
        await alertmanager.stop()
    }

    private func scenario(_ alertmanager: AlertmanagerServer) async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-run-notify")
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        receiver.respond(with: 503)
        let keyFile = try directory.write("notify.key", Self.rawKey + "\n")
        try FileManager.default.createDirectory(atPath: directory.path("manifests"), withIntermediateDirectories: true)
        // An issuerRef naming an Issuer that does not exist: IssuerNotReady, the IssuanceFailing class.
        _ = try directory.write("manifests/web.yaml", """
            apiVersion: keyward.dev/v1alpha1
            kind: Certificate
            metadata:
              name: web
            spec:
              secretName: web-tls
              commonName: web.example.com
              dnsNames: [web.example.com]
              issuer:
                issuerRef: {kind: Issuer, name: missing}

            """)
        let state = directory.path("state")
        let flags = ["--notify-url", receiver.url, "--notify-signing-key-file", keyFile, "--notify-attempts", "2",
                     "--alertmanager-url", alertmanager.url, "--egress-allow-cidr", "127.0.0.0/8"]
        func run() async throws -> ChildProcess {
            let process = try ChildProcess(try keywardExecutable(), [
                "run", "--once", "--manifests", directory.path("manifests"), "--state", state, "--out", directory.path("out"),
            ] + flags)
            #expect(await process.exitStatus(within: 180) == 1, "not Ready, so exit 1\n\(process.stdout)\n\(process.stderr)")
            return process
        }
        let first = try await run()
        #expect(receiver.received.count == 2 && receiver.received.allSatisfy { $0.answeredWith == 503 }, "\(first.stderr)")
        #expect(!first.stderr.contains(Self.rawKey) && !first.stdout.contains(Self.rawKey))
        // Alertmanager answered: it lists the alert, and only the webhook's delivery is a dead letter.
        let listed = try await within(30, every: .milliseconds(200)) {
            let labels = try await alertmanager.alerts().compactMap { $0["labels"] as? [String: String] }
            return labels.contains { $0["alertname"] == "KeywardIssuanceFailing" && $0["name"] == "web" && $0["kind"] == "Certificate" }
        }
        #expect(listed, "alertmanager lists no KeywardIssuanceFailing alert for web\n\(alertmanager.stderr)")

        let list = try ChildProcess(try keywardExecutable(), ["notify", "list", "--state", state])
        #expect(await list.exitStatus(within: 60) == 0, "\(list.stderr)")
        #expect(list.stdout.contains("Certificate/default/web  IssuanceFailing firing") && list.stdout.contains("HTTP 503")
                    && list.stdout.contains("1 dead letter"), "\(list.stdout)")

        // Without the target given, nothing is sent: the letter names its target only redacted.
        let untargeted = try ChildProcess(try keywardExecutable(), ["notify", "replay", "--state", state,
                                                                    "--notify-signing-key-file", keyFile])
        #expect(await untargeted.exitStatus(within: 120) == 1, "\(untargeted.stdout)\(untargeted.stderr)")
        #expect(untargeted.stdout.contains("0 delivered, 0 still failing, 1 for a target not given"), "\(untargeted.stdout)")

        // Still failing: replay says so (exit 1) and keeps it.
        let replayArguments = ["notify", "replay", "--state", state, "--notify-signing-key-file", keyFile,
                               "--notify-url", receiver.url, "--egress-allow-cidr", "127.0.0.0/8"]
        let failing = try ChildProcess(try keywardExecutable(), replayArguments)
        #expect(await failing.exitStatus(within: 120) == 1, "\(failing.stdout)\(failing.stderr)")
        receiver.respond(with: 200)
        let replay = try ChildProcess(try keywardExecutable(), replayArguments)
        #expect(await replay.exitStatus(within: 120) == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("1 delivered, 0 still failing"), "\(replay.stdout)")
        let delivered = receiver.received.filter { $0.answeredWith == 200 }
        let payloads = try verifiedPayloads(delivered, rawKey: Data(Self.rawKey.utf8))
        #expect(payloads.count == 1 && payloads.first?.alertClass == .issuanceFailing && payloads.first?.state == .firing)

        // Still failing the same way: the next run decides nothing new.
        let countBefore = receiver.received.count
        _ = try await run()
        #expect(receiver.received.count == countBefore, "no duplicate inside the cooldown")
    }

    @Test("an nginx that never reloads the renewed files: EndpointStale fires, signed; its reload resolves it")
    func endpointStale() async throws {
        let name = "web.notify.test"
        let directory = try TemporaryDirectory(prefix: "keyward-run-stale")
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let keyFile = try directory.write("notify.key", Self.rawKey)
        let manifests = directory.path("manifests")
        try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
        let state = directory.path("state")
        let out = directory.path("out")
        func manifest(endpoint: String?, renew: String?) throws {
            var text = "apiVersion: keyward.dev/v1alpha1\nkind: Certificate\nmetadata:\n  name: web\n  namespace: default\n"
            if let renew { text += "  annotations:\n    keyward.dev/renew: \"\(renew)\"\n" }
            text += "spec:\n  secretName: web-tls\n  commonName: \(name)\n  dnsNames: [\(name)]\n  duration: 720h\n"
                + "  issuer: {selfSigned: {}}\n  files: {}\n"
            if let endpoint { text += "  endpoints:\n    - address: \"\(endpoint)\"\n      serverName: \(name)\n" }
            try text.write(toFile: "\(manifests)/web.yaml", atomically: true, encoding: .utf8)
        }
        func certificate() async -> Certificate? {
            try? await FileResourceStore(stateDirectory: state).get(Certificate.self, namespace: "default", name: "web")
        }
        func payloads(_ state: NotificationPayload.State) throws -> [NotificationPayload] {
            try verifiedPayloads(receiver.received, rawKey: Data(Self.rawKey.utf8))
                .filter { $0.alertClass == .endpointStale && $0.state == state }
        }
        try manifest(endpoint: nil, renew: nil)
        let run = try ChildProcess(try keywardExecutable(), [
            "run", "--manifests", manifests, "--state", state, "--out", out, "--poll-interval", "1",
            "--notify-url", receiver.url, "--notify-signing-key-file", keyFile, "--egress-allow-cidr", "127.0.0.0/8"])
        defer { run.signal(SIGKILL) }
        let files = "\(out)/default/web"
        #expect(await within(90) { FileManager.default.fileExists(atPath: "\(files)/fullchain.pem") }, "\(run.stderr)")
        let nginx = try await NginxServer(certificateFile: "\(files)/fullchain.pem", keyFile: "\(files)/privkey.pem")
        try manifest(endpoint: nginx.address, renew: nil)
        #expect(await within(90, every: .milliseconds(200)) {
            await certificate()?.status?.conditions[type: Certificate.ConditionType.served]?.reason == Certificate.Reason.servedCurrent
        }, "\(run.stderr)")
        #expect(try payloads(.firing).isEmpty)

        // Renewed, and nginx (no reload action) keeps serving the old files.
        try manifest(endpoint: nginx.address, renew: "stale-1")
        let fired = try await within(90, every: .milliseconds(200)) { try !payloads(.firing).isEmpty }
        #expect(fired, "no EndpointStale notification\n\(run.stderr)")
        let firing = try #require(try payloads(.firing).first)
        #expect(firing.object == NotificationObject(kind: "Certificate", namespace: "default", name: "web") && firing.severity == .critical)
        #expect(firing.message.contains(nginx.address), "\(firing.message)")

        try await nginx.reload()
        let resolved = try await within(90, every: .milliseconds(200)) { try !payloads(.resolved).isEmpty }
        #expect(resolved, "no resolution after the reload\n\(run.stderr)")
        #expect(try payloads(.firing).count == 1)
        run.signal(SIGTERM)
        _ = await run.exitStatus(within: 30)
        await nginx.stop()
    }

    @Test("a rotation whose verification fails: one signed RotationFailed notification for the SecretRotation")
    func rotationFailed() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-run-rotation")
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        // The service the candidate is verified against refuses it.
        let service = try WebhookReceiver()
        defer { service.stop() }
        service.respond(with: 500)
        let keyFile = try directory.write("notify.key", Self.rawKey)
        let manifests = directory.path("manifests")
        try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
        _ = try directory.write("manifests/app.yaml", """
            apiVersion: keyward.dev/v1alpha1
            kind: SecretRotation
            metadata: {name: app, namespace: default}
            spec:
              secretName: app-credentials
              interval: 720h
              keys: [{name: password, generator: {password: {}}}]
              verify: {http: {url: "\(service.url)", headers: [{name: X-Password, value: "{{ candidate.password }}"}]}}

            """)
        let state = directory.path("state")
        let binary = try keywardExecutable()
        func run() async throws -> ChildProcess {
            let process = try ChildProcess(binary, [
                "run", "--once", "--manifests", manifests, "--state", state, "--out", directory.path("out"),
                "--notify-url", receiver.url, "--notify-signing-key-file", keyFile, "--egress-allow-cidr", "127.0.0.0/8"])
            #expect(await process.exitStatus(within: 180) != nil, "\(process.stderr)")
            return process
        }
        _ = try await run()  // provisions the first value
        let rotate = try ChildProcess(binary, ["rotate", "app", "--state", state])
        #expect(await rotate.exitStatus(within: 60) == 0, "\(rotate.stderr)")
        let second = try await run()
        #expect(!service.received.isEmpty, "the candidate was verified\n\(second.stderr)")
        let payloads = try verifiedPayloads(receiver.received, rawKey: Data(Self.rawKey.utf8))
        let failed = payloads.filter { $0.alertClass == .rotationFailed && $0.state == .firing }
        #expect(failed.count == 1, "\(payloads.map { "\($0.alertClass) \($0.state)" })\n\(second.stdout)\n\(second.stderr)")
        #expect(failed.first?.object == NotificationObject(kind: "SecretRotation", namespace: "default", name: "app"))
        #expect(failed.first.map { !$0.message.isEmpty && !$0.message.contains("X-Password") } == true)
    }
}
