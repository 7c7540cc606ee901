import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import NotificationController
import Notifications
import RotationStrategies
import Testing

/// The pieces between status and the notifier: which classes a status makes active, the cluster's state ConfigMap
/// under concurrent writers, and the notification series.
@Suite("Notification controller: alert classes from status, state ConfigMap, series")
struct NotificationControllerTests {
    private func condition(_ type: String, _ status: Condition.Status, _ reason: String, _ message: String = "m") -> Condition {
        Condition(type: type, status: status, reason: reason, message: message, lastTransitionTime: Date())
    }

    private func certificate(_ status: Certificate.Status?) -> Certificate {
        Certificate(metadata: ObjectMeta(name: "web", namespace: "shop"),
                    spec: Certificate.Spec(secretName: "web-tls", issuer: .init(selfSigned: .init())), status: status)
    }

    @Test("a Certificate's status: healthy is quiet; SLA, failures, revocation and a stale endpoint each raise their class")
    func certificateClasses() {
        #expect(CertificateAlerts.active(certificate(nil)).isEmpty)
        var healthy = Certificate.Status()
        healthy.conditions = [condition(Certificate.ConditionType.ready, .true, Certificate.Reason.issued),
                              condition(Certificate.ConditionType.issuing, .false, Certificate.Reason.issued),
                              condition(Certificate.ConditionType.renewalSLA, .true, Certificate.Reason.slaOnTrack)]
        #expect(CertificateAlerts.active(certificate(healthy)).isEmpty)
        // A normal wait for a CA being issued is not a failure.
        var waiting = healthy
        waiting.conditions.set(condition(Certificate.ConditionType.issuing, .true, Certificate.Reason.waitingForIssuer))
        #expect(CertificateAlerts.active(certificate(waiting)).isEmpty)

        var atRisk = healthy
        atRisk.conditions.set(condition(Certificate.ConditionType.renewalSLA, .false, Certificate.Reason.slaAtRisk, "due soon"))
        atRisk.conditions.set(condition(Certificate.ConditionType.issuing, .true, Certificate.Reason.issuerNotReady, "CA gone"))
        #expect(CertificateAlerts.active(certificate(atRisk)) == [.renewalSLAWarning: "due soon", .issuanceFailing: "CA gone"])

        var breached = healthy
        breached.conditions.set(condition(Certificate.ConditionType.renewalSLA, .false, Certificate.Reason.slaBreached, "overdue"))
        breached.failedIssuanceAttempts = 3
        breached.lastError = "signer refused"
        #expect(CertificateAlerts.active(certificate(breached)) == [.renewalSLABreach: "overdue", .issuanceFailing: "signer refused"])

        var revoked = healthy
        revoked.state = .revoked
        revoked.conditions.set(condition(Certificate.ConditionType.ready, .false, Certificate.Reason.revoked, "serial 01 revoked"))
        #expect(CertificateAlerts.active(certificate(revoked)) == [.revoked: "serial 01 revoked"])

        // The endpoint probes' condition (set by hand here; StandaloneNotificationTests has a real stale nginx).
        var stale = healthy
        stale.conditions.set(condition(Certificate.ConditionType.served, .false, Certificate.Reason.servedStale,
                                       "127.0.0.1:8443 serves serial 01, current is 02"))
        #expect(CertificateAlerts.active(certificate(stale)) == [.endpointStale: "127.0.0.1:8443 serves serial 01, current is 02"])
        stale.conditions.set(condition(Certificate.ConditionType.served, .false, Certificate.Reason.servedUnreachable))
        #expect(CertificateAlerts.active(certificate(stale)).isEmpty)
    }

    @Test("a SecretRotation's status: phase Failed is RotationFailed; a rollback is RolledBack until a later rotation succeeds")
    func rotationClasses() {
        var rotation = SecretRotation(metadata: ObjectMeta(name: "db", namespace: "shop"), spec: SecretRotation.Spec(
            secretName: "db-credentials", keys: [SecretRotation.Key(name: "password", generator: .password())], interval: "1h"))
        #expect(SecretRotationAlerts.active(rotation).isEmpty)
        var status = SecretRotation.Status()
        status.phase = .failed
        status.lastError = "verification failed: HTTP 500"
        status.history = [.init(revision: 2, time: Date(), result: .rolledBack)]
        rotation.status = status
        #expect(SecretRotationAlerts.active(rotation)[.rotationFailed] == "verification failed: HTTP 500")
        #expect(SecretRotationAlerts.active(rotation)[.rolledBack] != nil)
        status.phase = .idle
        status.history.append(.init(revision: 3, time: Date(), result: .rotated))
        status.conditions = [condition(SecretRotation.ConditionType.ready, .true, SecretRotation.Reason.rotated)]
        rotation.status = status
        #expect(SecretRotationAlerts.active(rotation).isEmpty)
    }

    @Test("the state ConfigMap is resourceVersion-safe: a writer with a stale copy re-reads and both changes are kept")
    func configMapConflicts() async throws {
        var configuration = APIServerConfiguration()
        configuration.crdDirectories = [ExternalTool.repositoryRoot.appendingPathComponent("crds")]
        let server = try await APIServer.start(configuration)
        let client = KubernetesClient(configuration: ClientConfiguration(
            server: server.url, tls: TLSSettings(caPEM: Data(server.caCertificatePEM.utf8)),
            credentials: .token(server.token), namespace: "default"))
        do {
            let a = ConfigMapNotificationStateStore(client: client, namespace: "default")
            let b = ConfigMapNotificationStateStore(client: client, namespace: "default")
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            let web = NotificationObject(kind: "Certificate", namespace: "shop", name: "web")
            let api = NotificationObject(kind: "Certificate", namespace: "shop", name: "api")
            #expect(try await b.read().records.isEmpty)  // b now holds a copy without a resourceVersion to match
            let first = try await a.modify { $0.transitions(for: web, active: [.revoked: "r"], classes: [.revoked], now: now, cooldown: 3600) }
            #expect(first.count == 1)
            // b's copy is stale: its create conflicts, it re-reads, decides again on the fresh state, and writes.
            let second = try await b.modify { $0.transitions(for: api, active: [.revoked: "r"], classes: [.revoked], now: now, cooldown: 3600) }
            #expect(second.count == 1)
            // And web's record was not lost: a third store sees both, and nothing fires twice.
            let c = ConfigMapNotificationStateStore(client: client, namespace: "default")
            let again = try await c.modify { state in
                state.transitions(for: web, active: [.revoked: "r"], classes: [.revoked], now: now, cooldown: 3600)
                    + state.transitions(for: api, active: [.revoked: "r"], classes: [.revoked], now: now, cooldown: 3600)
            }
            #expect(again.isEmpty)
            #expect(try await c.read().records.count == 2)
            // A later update through a stale copy conflicts on the resourceVersion the same way.
            _ = try await a.modify { $0.transitions(for: web, active: [:], classes: [.revoked], now: now + 10, cooldown: 3600) }
            let resolvedByB = try await b.modify {
                $0.transitions(for: api, active: [:], classes: [.revoked], now: now + 20, cooldown: 3600)
            }
            #expect(resolvedByB.map(\.state) == [.resolved])
            // A reader's copy is only kept for a while; a fresh store reads what both writers left.
            let records = try await ConfigMapNotificationStateStore(client: client, namespace: "default").read().records
            #expect(records.values.allSatisfy { !$0.active } && records.count == 2)
        } catch {
            client.shutdown()
            await server.shutdown()
            throw error
        }
        client.shutdown()
        await server.shutdown()
    }

    @Test("the notification series carry a target label and never a URL")
    func series() throws {
        let keyward = KeywardMetrics()
        let metrics = keyward.family(NotificationPrometheusMetrics.self)
        metrics.notificationSent(.webhook)
        metrics.notificationFailed(.alertmanager)
        metrics.notificationFailed(.alertmanager)
        metrics.setDeadLetters(3)
        let exposition = try MetricsExposition(parsing: String(decoding: keyward.exposition(), as: UTF8.self))
        let sent = exposition.families["keyward_notifications_sent_total"]?.samples ?? []
        #expect(sent.first { $0.labels == ["target": "webhook"] }?.value == 1)
        #expect(exposition.families["keyward_notifications_failed_total"]?.samples.first { $0.labels == ["target": "alertmanager"] }?.value == 2)
        #expect(exposition.families["keyward_notifications_dead_letters"]?.samples.first?.value == 3)
    }
}
