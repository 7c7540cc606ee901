import ControllerRuntime
import Foundation
import KeywardTestSupport
import Prometheus
@testable import SecretRotationController
import Testing

@Suite("SecretRotationMetrics series, read back through a parsed exposition")
struct SecretRotationMetricsTests {
    private let keyward = KeywardMetrics()

    private func scrape(_ metrics: SecretRotationMetrics) throws -> MetricsExposition {
        try MetricsExposition(parsing: String(decoding: keyward.exposition(), as: UTF8.self))
    }

    @Test func secretRotationCountersTimestampAndPhase() throws {
        let metrics = SecretRotationMetrics(metrics: keyward,
                                            phases: ["Idle", "Rotating", "Verifying", "Failed"])
        let at = Date(timeIntervalSince1970: 1_800_000_500)
        metrics.rotated(name: "db", namespace: "prod", strategy: "dual-phase", result: .success, at: at)
        metrics.rotated(name: "db", namespace: "prod", strategy: "dual-phase", result: .failure,
                        at: at.addingTimeInterval(60))
        metrics.rotated(name: "db", namespace: "prod", strategy: "dual-phase", result: .success,
                        at: at.addingTimeInterval(120))
        metrics.setPhase(name: "db", namespace: "prod", phase: "Rotating")
        metrics.setPhase(name: "db", namespace: "prod", phase: "Verifying")

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

        metrics.remove(name: "db", namespace: "prod")
        scraped = try scrape(metrics)
        #expect(scraped.families.keys.filter { $0.hasPrefix("keyward_secretrotation_") }.isEmpty)
    }
}
