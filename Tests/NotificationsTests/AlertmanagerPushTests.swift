import Foundation
import KeywardCore
import KeywardTestSupport
import Notifications
import Testing

@Suite("Alertmanager push against a real prometheus-alertmanager")
struct AlertmanagerPushTests {
    @Test("a firing alert is listed in /api/v2/alerts with Keyward's labels; its resolution ends it")
    func pushAndResolve() async throws {
        let alertmanager = try await AlertmanagerServer()
        do {
            try await run(alertmanager)
        } catch {
            await alertmanager.stop()
            throw error
        }
        await alertmanager.stop()
    }

    private func run(_ alertmanager: AlertmanagerServer) async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-notify-am")
        var configuration = Notifier.Configuration()
        configuration.alertmanager = try NotificationTarget(kind: .alertmanager, parsing: alertmanager.url)
        configuration.egress = EgressPolicy(allow: [try CIDR(parsing: "127.0.0.0/8")])
        configuration.delivery = DeliveryPolicy(attempts: 3, backoff: Backoff(base: 0.05, cap: 0.2))
        let metrics = RecordingNotificationMetrics()
        let notifier = Notifier(configuration: configuration, store: FileNotificationStateStore(stateDirectory: directory.path("state")),
                                transport: CurlNotificationTransport(), metrics: metrics)
        let object = NotificationObject(kind: "Certificate", namespace: "shop", name: "web")
        let classes: Set<AlertClass> = [.renewalSLABreach]
        try await notifier.observe(object, active: [.renewalSLABreach: "renewal was due at 2026-12-04T10:00:00Z"], classes: classes)
        #expect(metrics.sent == 1 && metrics.failed == 0)

        var listed: [[String: Any]] = []
        let appeared = try await within(30, every: .milliseconds(200)) {
            listed = try await alertmanager.alerts()
            return !listed.isEmpty
        }
        #expect(appeared, "alertmanager lists no alert\n\(alertmanager.stderr)")
        let alert = try #require(listed.first)
        let labels = try #require(alert["labels"] as? [String: String])
        #expect(labels["alertname"] == "KeywardRenewalSLABreach" && labels["severity"] == "critical")
        #expect(labels["namespace"] == "shop" && labels["name"] == "web" && labels["kind"] == "Certificate")
        let annotations = try #require(alert["annotations"] as? [String: String])
        #expect(annotations["description"] == "renewal was due at 2026-12-04T10:00:00Z")
        #expect((alert["status"] as? [String: Any])?["state"] as? String == "active")

        // The breach ends: the resolved push (endsAt now) takes it off the active list.
        try await notifier.observe(object, active: [:], classes: classes)
        let ended = try await within(30, every: .milliseconds(200)) { try await alertmanager.alerts().isEmpty }
        #expect(ended, "the alert is still listed after its resolution")
        let letters = try await notifier.deadLetters()
        #expect(metrics.sent == 2 && letters.isEmpty)
    }
}
