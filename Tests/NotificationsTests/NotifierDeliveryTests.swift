import Crypto
import Foundation
import KeywardCore
import KeywardTestSupport
import Notifications
import Synchronization
import Testing

/// Counts what the notifier reports, as the Prometheus series would.
final class RecordingNotificationMetrics: NotificationMetrics {
    private let state = Mutex((sent: 0, failed: 0, deadLetters: 0))
    var sent: Int { state.withLock { $0.sent } }
    var failed: Int { state.withLock { $0.failed } }
    var deadLetters: Int { state.withLock { $0.deadLetters } }
    func notificationSent(_ kind: NotificationTarget.Kind) { state.withLock { $0.sent += 1 } }
    func notificationFailed(_ kind: NotificationTarget.Kind) { state.withLock { $0.failed += 1 } }
    func setDeadLetters(_ count: Int) { state.withLock { $0.deadLetters = count } }
}

/// What a receiver does with each request: the signature over "t.body" with its own HMAC, and the timestamp
/// within five minutes of its own clock (`now`: the notifier's clock when a test moves it). Returns the payloads.
func verifiedPayloads(_ requests: [WebhookReceiver.Request], rawKey: Data, now: Date = Date()) throws -> [NotificationPayload] {
    try requests.map { request in
        let header = try #require(request.headers["keyward-signature"])
        let fields = Dictionary(uniqueKeysWithValues: header.split(separator: ",").map {
            let pair = $0.split(separator: "=", maxSplits: 1)
            return (String(pair[0]), String(pair[1]))
        })
        let t = try #require(fields["t"].flatMap { Int64($0) })
        #expect(abs(now.timeIntervalSince1970 - Double(t)) <= 300, "stale timestamp \(t)")
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(t).".utf8) + request.body, using: SymmetricKey(data: rawKey))
        #expect(fields["v1"] == mac.map { String(format: "%02x", $0) }.joined(), "signature mismatch")
        #expect(request.headers["content-type"] == "application/json")
        let payload = try NotificationPayload.decode(request.body)
        #expect(request.headers["keyward-notification-id"] == payload.id)
        return payload
    }
}

@Suite("Notifier delivery against a loopback receiver")
struct NotifierDeliveryTests {
    static let rawKey = Data("loopback-receiver-signing-key-0123".utf8)
    let web = NotificationObject(kind: "Certificate", namespace: "default", name: "web")
    let classes: Set<AlertClass> = [.renewalSLABreach, .issuanceFailing]

    func notifier(_ receiver: WebhookReceiver, state: TemporaryDirectory, clock: any WallClock = SystemClock(),
                  metrics: RecordingNotificationMetrics? = nil, allowLoopback: Bool = true, attempts: Int = 3) throws -> Notifier {
        var configuration = Notifier.Configuration()
        configuration.webhooks = [try NotificationTarget(kind: .webhook, parsing: receiver.url)]
        configuration.signingKey = try SigningKey(bytes: Self.rawKey)
        configuration.delivery = DeliveryPolicy(attempts: attempts, backoff: Backoff(base: 0.01, cap: 0.05))
        configuration.egress = allowLoopback ? EgressPolicy(allow: [try CIDR(parsing: "127.0.0.0/8")]) : EgressPolicy()
        return Notifier(configuration: configuration, store: FileNotificationStateStore(stateDirectory: state.path("state")),
                        transport: CurlNotificationTransport(), clock: clock, metrics: metrics)
    }

    @Test("every notification arrives signed and fresh; firing then resolved, with the schema's fields")
    func signedDelivery() async throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let directory = try TemporaryDirectory(prefix: "keyward-notify")
        let metrics = RecordingNotificationMetrics()
        let notifier = try notifier(receiver, state: directory, metrics: metrics)
        try await notifier.observe(web, active: [.renewalSLABreach: "renewal was due"], classes: classes)
        try await notifier.observe(web, active: [.renewalSLABreach: "renewal was due"], classes: classes)
        try await notifier.observe(web, active: [:], classes: classes)
        let payloads = try verifiedPayloads(receiver.received, rawKey: Self.rawKey)
        #expect(payloads.map(\.state) == [.firing, .resolved])
        #expect(payloads.allSatisfy { $0.alertClass == .renewalSLABreach && $0.object == web && $0.schemaVersion == 1 })
        #expect(payloads.first?.severity == .critical && payloads.first?.message == "renewal was due")
        #expect(receiver.received.allSatisfy { $0.method == "POST" && $0.path == "/hook" })
        #expect(metrics.sent == 2 && metrics.failed == 0)
        // The body's JSON names: what docs/observability.md documents.
        let json = try #require(try JSONSerialization.jsonObject(with: receiver.received[0].body) as? [String: Any])
        #expect(Set(json.keys) == ["schemaVersion", "id", "state", "class", "severity", "summary", "object", "message",
                                   "occurredAt", "activeSince"])
    }

    @Test("the cooldown holds across a restart: a new notifier over the same state sends no duplicate in the window")
    func cooldownAcrossRestart() async throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let directory = try TemporaryDirectory(prefix: "keyward-notify")
        let clock = ManualClock(now: Date())
        try await notifier(receiver, state: directory, clock: clock).observe(web, active: [.issuanceFailing: "x"], classes: classes)
        // "Restart": nothing in memory survives, the state file does. The class flaps inside the window.
        let restarted = try notifier(receiver, state: directory, clock: clock)
        clock.advance(by: 60)
        #expect(try await restarted.observe(web, active: [.issuanceFailing: "x"], classes: classes).isEmpty)
        #expect(receiver.received.count == 1)
        clock.advance(by: Notifier.defaultCooldown)
        try await restarted.observe(web, active: [:], classes: classes)
        try await restarted.observe(web, active: [.issuanceFailing: "again"], classes: classes)
        let payloads = try verifiedPayloads(Array(receiver.received.prefix(1)), rawKey: Self.rawKey,
                                            now: clock.now.addingTimeInterval(-60 - Notifier.defaultCooldown))
            + verifiedPayloads(Array(receiver.received.dropFirst()), rawKey: Self.rawKey, now: clock.now)
        #expect(payloads.map(\.state) == [.firing, .resolved, .firing])
    }

    /// The state lives in a ConfigMap: a letter keeps its target redacted, and replay sends only to a target
    /// configured now (an edited letter cannot send signed payloads elsewhere). Two webhooks that differ only in
    /// their token redact alike: a keyed fingerprint keeps their letters apart.
    @Test("a dead letter keeps no token of its target's URL, and replay sends each only to its own configured target")
    func deadLetterTargetsAreRedacted() async throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        receiver.respond(with: 503)
        let directory = try TemporaryDirectory(prefix: "keyward-notify")
        var configuration = Notifier.Configuration()
        configuration.webhooks = try ["s3cr3t-A", "s3cr3t-B"].map {
            try NotificationTarget(kind: .webhook, parsing: receiver.url + "?token=" + $0)
        }
        configuration.signingKey = try SigningKey(bytes: Self.rawKey)
        configuration.delivery = DeliveryPolicy(attempts: 1, backoff: Backoff(base: 0.01, cap: 0.05))
        configuration.egress = EgressPolicy(allow: [try CIDR(parsing: "127.0.0.0/8")])
        let store = FileNotificationStateStore(stateDirectory: directory.path("state"))
        let notifier = Notifier(configuration: configuration, store: store, transport: CurlNotificationTransport())
        try await notifier.observe(web, active: [.issuanceFailing: "issuer not ready"], classes: classes)
        let letters = try await notifier.deadLetters()
        #expect(letters.count == 2, "one letter per target")
        for letter in letters { #expect(!letter.target.url.contains("s3cr3t") && letter.target.url.hasSuffix("?…"), "\(letter.target)") }
        let stored = try FileManager.default.subpathsOfDirectory(atPath: directory.path("state")).compactMap {
            try? String(contentsOfFile: directory.path("state") + "/" + $0, encoding: .utf8)
        }.joined()
        #expect(!stored.isEmpty && !stored.contains("s3cr3t"))

        // Replayed by a process that has no such target: nothing is sent, the letters stay.
        var other = configuration
        other.webhooks = [try NotificationTarget(kind: .webhook, parsing: receiver.url + "other")]
        receiver.respond(with: 200)
        let elsewhere = try await Notifier(configuration: other, store: store, transport: CurlNotificationTransport()).replay()
        #expect(elsewhere.notConfigured == 2 && elsewhere.delivered == 0)
        let sentBefore = receiver.received.count
        let report = try await notifier.replay()
        #expect(report.delivered == 2)
        let replayed = receiver.received.dropFirst(sentBefore).map(\.path).sorted()
        #expect(replayed == ["/hook?token=s3cr3t-A", "/hook?token=s3cr3t-B"], "\(replayed)")
    }

    @Test("a receiver failing every attempt leaves one dead letter; replay delivers it once the receiver recovers")
    func deadLetterAndReplay() async throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        receiver.respond(with: 503)
        let directory = try TemporaryDirectory(prefix: "keyward-notify")
        let metrics = RecordingNotificationMetrics()
        let notifier = try notifier(receiver, state: directory, metrics: metrics, attempts: 3)
        try await notifier.observe(web, active: [.issuanceFailing: "issuer not ready"], classes: classes)
        #expect(receiver.received.count == 3 && receiver.received.allSatisfy { $0.answeredWith == 503 })
        let letters = try await notifier.deadLetters()
        #expect(letters.count == 1 && letters.first?.lastError == "HTTP 503" && letters.first?.attempts == 3)
        #expect(metrics.failed == 3 && metrics.sent == 0 && metrics.deadLetters == 1)

        // Still failing: replay keeps it.
        #expect(try await notifier.replay() == { var r = Notifier.ReplayReport(); r.stillFailing = 1; return r }())
        receiver.respond(with: 200)
        let report = try await notifier.replay()
        #expect(report.delivered == 1 && report.stillFailing == 0)
        #expect(try await notifier.deadLetters().isEmpty && metrics.deadLetters == 0)
        let delivered = receiver.received.filter { $0.answeredWith == 200 }
        let payloads = try verifiedPayloads(delivered, rawKey: Self.rawKey)
        #expect(payloads.count == 1 && payloads.first?.id == letters.first?.payload.id && payloads.first?.message == "issuer not ready")
        #expect(try await notifier.replay() == Notifier.ReplayReport(), "nothing left to replay")
    }

    @Test("the default egress policy keeps notifications off loopback: zero connections, a dead letter saying why")
    func egressDenied() async throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let directory = try TemporaryDirectory(prefix: "keyward-notify")
        let notifier = try notifier(receiver, state: directory, allowLoopback: false, attempts: 2)
        try await notifier.observe(web, active: [.issuanceFailing: "x"], classes: classes)
        #expect(receiver.received.isEmpty)
        #expect(try await notifier.deadLetters().first?.lastError == "egress denied")
    }
}
