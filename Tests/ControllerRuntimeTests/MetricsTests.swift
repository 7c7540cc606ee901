import ControllerRuntime
import Foundation
import KeywardTestSupport
import KubernetesClient
import Prometheus
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

    /// A controller's own series: one family instance per registry, its series on the shared exposition.
    final class DemoFamily: MetricFamily {
        let made: Counter
        init(metrics: KeywardMetrics) {
            made = metrics.registry.makeCounter(descriptor: KeywardMetrics.descriptor("keyward_demo_total", "A demo family."))
        }
    }

    @Test func controllerFamiliesAreMadeOncePerRegistryAndExported() throws {
        let metrics = KeywardMetrics()
        let first = metrics.family(DemoFamily.self)
        let second = metrics.family(DemoFamily.self)
        #expect(first === second)
        first.made.increment()
        second.made.increment()
        let scraped = try scrape(metrics)
        #expect(scraped.type(of: "keyward_demo_total") == "counter")
        #expect(scraped.value("keyward_demo_total") == 2)
        // Another operator's registry has its own instance.
        #expect(KeywardMetrics().family(DemoFamily.self) !== first)
    }

    /// Per-object families render beside the registry's series, escape label values, and vanish with their series.
    @Test func objectSeriesRenderWithTheRegistryAndGoWhenRemoved() throws {
        let metrics = KeywardMetrics()
        let expiry = metrics.objectSeries("keyward_demo_expiry_seconds", "Demo expiry.", kind: .gauge, labels: ["name", "namespace"])
        #expect(metrics.objectSeries("keyward_demo_expiry_seconds", "again", kind: .gauge, labels: ["name", "namespace"]) === expiry)
        let failures = metrics.objectSeries("keyward_demo_failures_total", "Demo failures.", kind: .counter, labels: ["name", "reason"])
        expiry.set(["web", "prod"], 1_800_000_000)
        expiry.set(["odd \"quoted\"\nname", "prod"], 2.5)
        failures.increment(["web", "Timeout"])
        failures.increment(["web", "Timeout"], by: 2)
        metrics.setLeader(true)

        var scraped = try scrape(metrics)
        #expect(scraped.type(of: "keyward_demo_expiry_seconds") == "gauge")
        #expect(scraped.value("keyward_demo_expiry_seconds", ["name": "web", "namespace": "prod"]) == 1_800_000_000)
        #expect(scraped.value("keyward_demo_expiry_seconds", ["name": "odd \"quoted\"\nname", "namespace": "prod"]) == 2.5)
        #expect(scraped.type(of: "keyward_demo_failures_total") == "counter")
        #expect(scraped.value("keyward_demo_failures_total", ["name": "web", "reason": "Timeout"]) == 3)
        #expect(scraped.value("keyward_leader_election_is_leader") == 1)

        expiry.remove(["web", "prod"])
        expiry.remove(["odd \"quoted\"\nname", "prod"])
        scraped = try scrape(metrics)
        #expect(scraped.type(of: "keyward_demo_expiry_seconds") == nil)
        #expect(scraped.value("keyward_demo_failures_total", ["name": "web", "reason": "Timeout"]) == 3)
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
