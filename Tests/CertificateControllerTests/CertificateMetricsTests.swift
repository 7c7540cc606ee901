@testable import CertificateController
import ControllerRuntime
import Foundation
import KeywardTestSupport
import KubernetesClient
import Prometheus
import Testing

@Suite("CertificateMetrics series, read back through a parsed exposition")
struct CertificateMetricsTests {
    private let keyward = KeywardMetrics()

    private func scrape(_ metrics: CertificateMetrics) throws -> MetricsExposition {
        try MetricsExposition(parsing: String(decoding: keyward.exposition(), as: UTF8.self))
    }

    @Test func certificateGaugesAndCountersCarryNameNamespaceIssuer() throws {
        let metrics = keyward.family(CertificateMetrics.self)
        let web = CertificateMetricLabels(name: "web", namespace: "prod", issuer: "ClusterIssuer/root-ca")
        let notBefore = Date(timeIntervalSince1970: 1_800_000_000)
        let notAfter = notBefore.addingTimeInterval(90 * 86_400)
        let renewal = notBefore.addingTimeInterval(60 * 86_400)
        metrics.setStatus(web, .init(notBefore: notBefore, notAfter: notAfter, renewalTime: renewal, ready: .true))
        metrics.issued(web)
        metrics.renewed(web)
        metrics.renewed(web)
        metrics.failed(web, reason: "IssuerNotReady")
        metrics.failed(web, reason: "IssuerNotReady")
        metrics.failed(web, reason: "KeyMismatch")

        let labels = ["name": "web", "namespace": "prod", "issuer": "ClusterIssuer/root-ca"]
        var scraped = try scrape(metrics)
        #expect(scraped.type(of: "keyward_certificate_expiration_timestamp_seconds") == "gauge")
        #expect(scraped.value("keyward_certificate_expiration_timestamp_seconds", labels) == notAfter.timeIntervalSince1970)
        #expect(scraped.value("keyward_certificate_not_before_timestamp_seconds", labels) == notBefore.timeIntervalSince1970)
        #expect(scraped.value("keyward_certificate_renewal_timestamp_seconds", labels) == renewal.timeIntervalSince1970)
        #expect(scraped.value("keyward_certificate_ready_status", labels.merging(["condition": "True"]) { $1 }) == 1)
        #expect(scraped.value("keyward_certificate_ready_status", labels.merging(["condition": "False"]) { $1 }) == 0)
        #expect(scraped.value("keyward_certificate_ready_status", labels.merging(["condition": "Unknown"]) { $1 }) == 0)
        #expect(scraped.type(of: "keyward_certificate_issuances_total") == "counter")
        #expect(scraped.value("keyward_certificate_issuances_total", labels) == 1)
        #expect(scraped.value("keyward_certificate_renewals_total", labels) == 2)
        #expect(scraped.value("keyward_certificate_failures_total", labels.merging(["reason": "IssuerNotReady"]) { $1 }) == 2)
        #expect(scraped.value("keyward_certificate_failures_total", labels.merging(["reason": "KeyMismatch"]) { $1 }) == 1)

        // Becoming not ready moves the 1; a status without a certificate yet drops the timestamp series.
        metrics.setStatus(web, .init(ready: .false))
        scraped = try scrape(metrics)
        #expect(scraped.value("keyward_certificate_ready_status", labels.merging(["condition": "True"]) { $1 }) == 0)
        #expect(scraped.value("keyward_certificate_ready_status", labels.merging(["condition": "False"]) { $1 }) == 1)
        #expect(scraped.samples("keyward_certificate_expiration_timestamp_seconds").isEmpty)
    }

    @Test func removingACertificateRemovesOnlyItsSeries() throws {
        let metrics = keyward.family(CertificateMetrics.self)
        let gone = CertificateMetricLabels(name: "gone", namespace: "prod", issuer: "ca")
        let kept = CertificateMetricLabels(name: "kept", namespace: "prod", issuer: "ca")
        for labels in [gone, kept] {
            metrics.setStatus(labels, .init(notBefore: Date(), notAfter: Date(), renewalTime: Date(), ready: .true))
            metrics.issued(labels)
            metrics.revoked(labels)
            metrics.failed(labels, reason: "Timeout")
        }
        metrics.remove(name: "gone", namespace: "prod")

        let scraped = try scrape(metrics)
        let certificateFamilies = scraped.families.values.filter { $0.name.hasPrefix("keyward_certificate_") }
        #expect(certificateFamilies.count == 7)
        for family in certificateFamilies {
            #expect(family.samples.allSatisfy { $0.labels["name"] == "kept" }, "\(family.name) still has 'gone'")
            #expect(!family.samples.isEmpty)
        }
    }

    @Test func aChangedIssuerReplacesTheOldSeries() throws {
        let metrics = keyward.family(CertificateMetrics.self)
        metrics.setStatus(CertificateMetricLabels(name: "web", namespace: "a", issuer: "old"),
                          .init(notAfter: Date(timeIntervalSince1970: 100), ready: .true))
        metrics.setStatus(CertificateMetricLabels(name: "web", namespace: "a", issuer: "new"),
                          .init(notAfter: Date(timeIntervalSince1970: 200), ready: .true))
        let samples = try scrape(metrics).samples("keyward_certificate_expiration_timestamp_seconds")
        #expect(samples.map(\.labels) == [["name": "web", "namespace": "a", "issuer": "new"]])
        #expect(samples.first?.value == 200)
    }
}
