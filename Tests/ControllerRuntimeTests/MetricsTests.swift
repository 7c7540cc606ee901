import ControllerRuntime
import Foundation
import KubernetesClient
import Testing

@Suite("KeywardMetrics series, read back through a parsed exposition")
struct MetricsTests {
    private func scrape(_ metrics: KeywardMetrics) throws -> MetricsExposition {
        try MetricsExposition(parsing: String(decoding: metrics.exposition(), as: UTF8.self))
    }

    /// The value of the histogram bucket whose upper bound is `le` (compared as numbers, not strings).
    private func bucket(_ exposition: MetricsExposition, _ name: String, _ labels: [String: String], le: Double) -> Double? {
        exposition.samples(name + "_bucket").first { sample in
            var rest = sample.labels
            guard let bound = rest.removeValue(forKey: "le"), rest == labels else { return false }
            return bound == "+Inf" ? le.isInfinite : Double(bound) == le
        }?.value
    }

    @Test func parserReadsEscapesHistogramsAndRejectsMalformedText() throws {
        let text = """
            # HELP demo_total A demo.
            # TYPE demo_total counter
            demo_total{path="C:\\\\x",quote="say \\"hi\\"",nl="a\\nb"} 3
            # TYPE demo_seconds histogram
            demo_seconds_bucket{le="0.5"} 1
            demo_seconds_bucket{le="+Inf"} 2
            demo_seconds_sum 1.25
            demo_seconds_count 2

            """
        let parsed = try MetricsExposition(parsing: text)
        #expect(parsed.value("demo_total", ["path": "C:\\x", "quote": "say \"hi\"", "nl": "a\nb"]) == 3)
        #expect(parsed.families["demo_total"]?.help == "A demo.")
        #expect(parsed.type(of: "demo_seconds") == "histogram")
        #expect(parsed.value("demo_seconds_count") == 2)
        #expect(parsed.value("demo_seconds_bucket", ["le": "+Inf"]) == 2)

        #expect(throws: MetricsExposition.ParseError.self) { try MetricsExposition(parsing: "orphan 1\n") }
        #expect(throws: MetricsExposition.ParseError.self) {
            try MetricsExposition(parsing: "# TYPE a gauge\na{x=\"1} 2\n")
        }
        #expect(throws: MetricsExposition.ParseError.self) {
            try MetricsExposition(parsing: "# TYPE a gauge\na{x=\"1\"} 2\na{x=\"1\"} 3\n")
        }
        #expect(throws: MetricsExposition.ParseError.self) { try MetricsExposition(parsing: "# TYPE a gauge\na one\n") }
    }

    @Test func certificateGaugesAndCountersCarryNameNamespaceIssuer() throws {
        let metrics = KeywardMetrics()
        let web = CertificateMetricLabels(name: "web", namespace: "prod", issuer: "ClusterIssuer/root-ca")
        let notBefore = Date(timeIntervalSince1970: 1_800_000_000)
        let notAfter = notBefore.addingTimeInterval(90 * 86_400)
        let renewal = notBefore.addingTimeInterval(60 * 86_400)
        metrics.setCertificateStatus(web, .init(notBefore: notBefore, notAfter: notAfter, renewalTime: renewal,
                                                ready: .true))
        metrics.certificateIssued(web)
        metrics.certificateRenewed(web)
        metrics.certificateRenewed(web)
        metrics.certificateFailed(web, reason: "IssuerNotReady")
        metrics.certificateFailed(web, reason: "IssuerNotReady")
        metrics.certificateFailed(web, reason: "KeyMismatch")

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
        metrics.setCertificateStatus(web, .init(ready: .false))
        scraped = try scrape(metrics)
        #expect(scraped.value("keyward_certificate_ready_status", labels.merging(["condition": "True"]) { $1 }) == 0)
        #expect(scraped.value("keyward_certificate_ready_status", labels.merging(["condition": "False"]) { $1 }) == 1)
        #expect(scraped.samples("keyward_certificate_expiration_timestamp_seconds").isEmpty)
    }

    @Test func removingACertificateRemovesOnlyItsSeries() throws {
        let metrics = KeywardMetrics()
        let gone = CertificateMetricLabels(name: "gone", namespace: "prod", issuer: "ca")
        let kept = CertificateMetricLabels(name: "kept", namespace: "prod", issuer: "ca")
        for labels in [gone, kept] {
            metrics.setCertificateStatus(labels, .init(notBefore: Date(), notAfter: Date(), renewalTime: Date(), ready: .true))
            metrics.certificateIssued(labels)
            metrics.certificateRevoked(labels)
            metrics.certificateFailed(labels, reason: "Timeout")
        }
        metrics.removeCertificate(name: "gone", namespace: "prod")

        let scraped = try scrape(metrics)
        let certificateFamilies = scraped.families.values.filter { $0.name.hasPrefix("keyward_certificate_") }
        #expect(certificateFamilies.count == 7)
        for family in certificateFamilies {
            #expect(family.samples.allSatisfy { $0.labels["name"] == "kept" }, "\(family.name) still has 'gone'")
            #expect(!family.samples.isEmpty)
        }
    }

    @Test func aChangedIssuerReplacesTheOldSeries() throws {
        let metrics = KeywardMetrics()
        metrics.setCertificateStatus(CertificateMetricLabels(name: "web", namespace: "a", issuer: "old"),
                                     .init(notAfter: Date(timeIntervalSince1970: 100), ready: .true))
        metrics.setCertificateStatus(CertificateMetricLabels(name: "web", namespace: "a", issuer: "new"),
                                     .init(notAfter: Date(timeIntervalSince1970: 200), ready: .true))
        let samples = try scrape(metrics).samples("keyward_certificate_expiration_timestamp_seconds")
        #expect(samples.map(\.labels) == [["name": "web", "namespace": "a", "issuer": "new"]])
        #expect(samples.first?.value == 200)
    }

    @Test func secretRotationCountersTimestampAndPhase() throws {
        let metrics = KeywardMetrics(secretRotationPhases: ["Idle", "Rotating", "Verifying", "Failed"])
        let at = Date(timeIntervalSince1970: 1_800_000_500)
        metrics.secretRotated(name: "db", namespace: "prod", strategy: "dual-phase", result: .success, at: at)
        metrics.secretRotated(name: "db", namespace: "prod", strategy: "dual-phase", result: .failure,
                              at: at.addingTimeInterval(60))
        metrics.secretRotated(name: "db", namespace: "prod", strategy: "dual-phase", result: .success,
                              at: at.addingTimeInterval(120))
        metrics.setSecretRotationPhase(name: "db", namespace: "prod", phase: "Rotating")
        metrics.setSecretRotationPhase(name: "db", namespace: "prod", phase: "Verifying")

        var scraped = try scrape(metrics)
        let base = ["name": "db", "namespace": "prod"]
        let outcome = base.merging(["strategy": "dual-phase"]) { $1 }
        #expect(scraped.value("keyward_secretrotation_rotations_total", outcome.merging(["result": "success"]) { $1 }) == 2)
        #expect(scraped.value("keyward_secretrotation_rotations_total", outcome.merging(["result": "failure"]) { $1 }) == 1)
        // A failure does not move the last successful rotation.
        #expect(scraped.value("keyward_secretrotation_last_rotation_timestamp_seconds", base)
            == at.addingTimeInterval(120).timeIntervalSince1970)
        let phases = Dictionary(uniqueKeysWithValues: scraped.samples("keyward_secretrotation_phase").map {
            ($0.labels["phase"]!, $0.value)
        })
        #expect(phases == ["Idle": 0, "Rotating": 0, "Verifying": 1, "Failed": 0])

        metrics.removeSecretRotation(name: "db", namespace: "prod")
        scraped = try scrape(metrics)
        #expect(scraped.families.keys.filter { $0.hasPrefix("keyward_secretrotation_") }.isEmpty)
    }

    @Test func controllerQueueAndLeaderSeries() throws {
        let metrics = KeywardMetrics()
        metrics.registerController("secretrotation")
        for seconds in [0.003, 0.2, 7.0] { metrics.observeReconcile(controller: "certificate", duration: seconds) }
        metrics.reconcileFailed(controller: "certificate")
        metrics.setWorkqueueDepth(name: "certificate", depth: 12)
        metrics.setWorkqueueDepth(name: "certificate", depth: 5)
        metrics.workqueueRetried(name: "certificate")
        metrics.workqueueRetried(name: "certificate", count: 2)
        metrics.setLeader(true)

        let scraped = try scrape(metrics)
        let certificate = ["controller": "certificate"]
        #expect(scraped.type(of: "keyward_reconcile_duration_seconds") == "histogram")
        #expect(bucket(scraped, "keyward_reconcile_duration_seconds", certificate, le: 0.005) == 1)
        #expect(bucket(scraped, "keyward_reconcile_duration_seconds", certificate, le: 0.25) == 2)
        #expect(bucket(scraped, "keyward_reconcile_duration_seconds", certificate, le: 5) == 2)
        #expect(bucket(scraped, "keyward_reconcile_duration_seconds", certificate, le: 10) == 3)
        #expect(bucket(scraped, "keyward_reconcile_duration_seconds", certificate, le: .infinity) == 3)
        #expect(scraped.value("keyward_reconcile_duration_seconds_count", certificate) == 3)
        let sum = try #require(scraped.value("keyward_reconcile_duration_seconds_sum", certificate))
        #expect(abs(sum - 7.203) < 1e-9)
        #expect(scraped.value("keyward_reconcile_errors_total", certificate) == 1)
        // A registered controller that has not reconciled yet reports zeros instead of nothing.
        #expect(scraped.value("keyward_reconcile_errors_total", ["controller": "secretrotation"]) == 0)
        #expect(scraped.value("keyward_reconcile_duration_seconds_count", ["controller": "secretrotation"]) == 0)
        #expect(scraped.value("keyward_workqueue_depth", ["name": "certificate"]) == 5)
        #expect(scraped.value("keyward_workqueue_retries_total", ["name": "certificate"]) == 3)
        #expect(scraped.value("keyward_leader_election_is_leader") == 1)
        metrics.setLeader(false)
        #expect(try scrape(metrics).value("keyward_leader_election_is_leader") == 0)
    }

    @Test func metricsAddressParsesLikeGoListenAddresses() throws {
        #expect(try MetricsAddress(parsing: ":9465") == MetricsAddress(host: "0.0.0.0", port: 9465))
        #expect(try MetricsAddress(parsing: "127.0.0.1:0") == MetricsAddress(host: "127.0.0.1", port: 0))
        #expect(try MetricsAddress(parsing: "[::1]:8080") == MetricsAddress(host: "::1", port: 8080))
        #expect(try MetricsAddress(parsing: "localhost:80") == MetricsAddress(host: "localhost", port: 80))
        #expect(try MetricsAddress(parsing: "0") == nil)
        for bad in ["9465", "host:port", ":70000", "::1:80", "[::1]80", ""] {
            #expect(throws: MetricsAddressError.self, "\(bad)") { try MetricsAddress(parsing: bad) }
        }
    }
}
