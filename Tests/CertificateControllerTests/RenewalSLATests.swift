@testable import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardTestSupport
import KubernetesClient
import KubernetesResources
import Prometheus
import Testing

@Suite("Renewal SLA")
struct RenewalSLATests {
    @Test("a healthy Certificate stays OnTrack through its renewal, with no SLA Event", arguments: Backend.allCases)
    func healthyRenewal(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("ss", Certificate.Spec(secretName: "ss-tls", issuer: .init(selfSigned: .init()), commonName: "ss.example.com",
                                                      dnsNames: ["ss.example.com"], duration: "720h", renewBefore: "168h"))
            try await h.converge("ss")
            let sla = try #require(try await h.condition("ss", Certificate.ConditionType.renewalSLA))
            #expect(sla.status == .true && sla.reason == Certificate.Reason.slaOnTrack)
            let renewalTime = try #require(try await h.certificate("ss").status?.renewalTime)
            h.clock.set(to: renewalTime.addingTimeInterval(-3600))  // inside the warning window, but nothing is wrong
            try await h.converge("ss")
            #expect(try await h.condition("ss", Certificate.ConditionType.renewalSLA)?.reason == Certificate.Reason.slaOnTrack)
            h.clock.set(to: renewalTime.addingTimeInterval(1))
            try await h.converge("ss")
            #expect(try await h.certificate("ss").status?.revision == 2)
            #expect(try await h.condition("ss", Certificate.ConditionType.renewalSLA)?.reason == Certificate.Reason.slaOnTrack)
            let slaReasons: Set = [Certificate.Reason.renewalSLAWarning, Certificate.Reason.renewalSLABreach,
                                   Certificate.Reason.renewalSLARecovered]
            #expect(await h.sink.reasons(for: "ss").filter { slaReasons.contains($0) }.isEmpty)
        }
    }

    @Test("an issuer gone before renewal: AtRisk inside the window, Breached past renewalTime, OnTrack once renewed; one Event each",
          arguments: Backend.allCases)
    func blockedRenewal(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("root-ca", .rootCA())
            try await h.create("web", .leaf())
            try await h.converge("root-ca", "web")
            let renewalTime = try #require(try await h.certificate("web").status?.renewalTime)
            // The CA's Secret goes (and its Certificate is not reconciled): the leaf cannot be issued now.
            try await h.store.delete(Secret.self, namespace: h.namespace, name: "root-ca")

            // Before the window the wait is not an SLA matter yet.
            h.clock.set(to: renewalTime.addingTimeInterval(-RenewalSLA.defaultWarning - 3600))
            try await h.reconcile("web")
            #expect(try await h.condition("web", Certificate.ConditionType.renewalSLA)?.reason == Certificate.Reason.slaOnTrack)

            h.clock.set(to: renewalTime.addingTimeInterval(-3600))
            try await h.reconcile("web")
            let atRisk = try #require(try await h.condition("web", Certificate.ConditionType.renewalSLA))
            #expect(atRisk.status == .false && atRisk.reason == Certificate.Reason.slaAtRisk, "\(atRisk)")
            try await h.reconcile("web")

            h.clock.set(to: renewalTime.addingTimeInterval(60))
            try await h.reconcile("web")
            try await h.reconcile("web")
            let breached = try #require(try await h.condition("web", Certificate.ConditionType.renewalSLA))
            #expect(breached.status == .false && breached.reason == Certificate.Reason.slaBreached, "\(breached)")
            #expect(breached.message.contains("has not been renewed"))

            // The CA comes back; the leaf renews and the SLA is met again.
            try await h.converge("root-ca", "web")
            let recovered = try #require(try await h.condition("web", Certificate.ConditionType.renewalSLA))
            #expect(recovered.status == .true && recovered.reason == Certificate.Reason.slaOnTrack)
            let events = await h.sink.events.filter { $0.involvedObject.name == "web" }
            let sla = events.filter { ($0.reason ?? "").hasPrefix("RenewalSLA") }
            #expect(sla.map(\.reason) == [Certificate.Reason.renewalSLAWarning, Certificate.Reason.renewalSLABreach,
                                          Certificate.Reason.renewalSLARecovered], "\(sla.map(\.reason))")
            #expect(sla.prefix(2).allSatisfy { $0.type == .warning } && sla.last?.type == .normal)
        }
    }

    @Test("states over status and time: no certificate, window, steady, failures, pending grace, breach")
    func states() throws {
        let sla = RenewalSLA(warning: 3600)
        let renewal = Date(timeIntervalSince1970: 1_800_000_000)
        var status = Certificate.Status()
        #expect(sla.state(of: status, now: renewal) == nil)
        status.renewalTime = renewal
        status.conditions.set(Condition(type: Certificate.ConditionType.ready, status: .true, reason: "Issued", message: "", lastTransitionTime: renewal))
        status.conditions.set(Condition(type: Certificate.ConditionType.issuing, status: .false, reason: "Issued", message: "", lastTransitionTime: renewal))
        #expect(sla.state(of: status, now: renewal.addingTimeInterval(-60)) == .onTrack)
        status.failedIssuanceAttempts = 1
        #expect(sla.state(of: status, now: renewal.addingTimeInterval(-60)) == .atRisk)
        #expect(sla.state(of: status, now: renewal.addingTimeInterval(-3601)) == .onTrack)
        #expect(sla.state(of: status, now: renewal) == .breached)
        status.pendingRequest = Certificate.PendingRequest(issuer: "acme", generation: 1, since: renewal, message: "order pending",
                                                           keySecretName: "web-tls-next-key", state: [:])
        #expect(sla.state(of: status, now: renewal.addingTimeInterval(3599)) == .atRisk)
        #expect(sla.state(of: status, now: renewal.addingTimeInterval(3600)) == .breached)
    }
}

@Suite("Renewal SLA gauges")
struct RenewalSLAMetricsTests {
    @Test("warning and breach follow the RenewalSLA condition; no condition or a deleted Certificate has no series")
    func gauges() throws {
        let keyward = KeywardMetrics()
        let metrics = keyward.family(RenewalSLAMetrics.self)
        let labels = CertificateMetricLabels(name: "web", namespace: "shop", issuer: "ClusterIssuer/root-ca")
        func scrape() throws -> [String: Double] {
            let exposition = try MetricsExposition(parsing: String(decoding: keyward.exposition(), as: UTF8.self))
            var values: [String: Double] = [:]
            for name in ["keyward_certificate_renewal_sla_warning", "keyward_certificate_renewal_sla_breach"] {
                for sample in exposition.families[name]?.samples ?? [] {
                    #expect(sample.labels == ["name": "web", "namespace": "shop", "issuer": "ClusterIssuer/root-ca"])
                    values[name] = sample.value
                }
            }
            return values
        }
        var certificate = Certificate(metadata: ObjectMeta(name: "web", namespace: "shop"),
                                      spec: Certificate.Spec(secretName: "web-tls", issuer: .init(selfSigned: .init())),
                                      status: Certificate.Status())
        metrics.observe(certificate, labels: labels)
        #expect(try scrape().isEmpty)
        for (reason, warning, breach) in [(Certificate.Reason.slaAtRisk, 1.0, 0.0), (Certificate.Reason.slaBreached, 0.0, 1.0),
                                          (Certificate.Reason.slaOnTrack, 0.0, 0.0)] {
            certificate.status?.conditions.set(Condition(type: Certificate.ConditionType.renewalSLA,
                                                         status: reason == Certificate.Reason.slaOnTrack ? .true : .false,
                                                         reason: reason, message: "", lastTransitionTime: Date()))
            metrics.observe(certificate, labels: labels)
            #expect(try scrape() == ["keyward_certificate_renewal_sla_warning": warning, "keyward_certificate_renewal_sla_breach": breach],
                    "\(reason)")
        }
        metrics.remove(namespace: "shop", name: "web")
        #expect(try scrape().isEmpty)
    }
}
