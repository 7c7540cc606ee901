import ControllerRuntime
import Prometheus
import Synchronization

/// `keyward_acme_steps_total{issuer, step}`: every ACME step Keyward took — `order_created`, `challenge_presented`,
/// `challenge_valid`, `challenge_invalid`, `self_check_failed`, `order_invalid`, `issued`, `revoked` — per issuer
/// (`Issuer/NAME`, `ClusterIssuer/NAME`; bounded by the issuers that exist). One per registry:
/// `metrics.family(ACMEMetrics.self)`.
public final class ACMEMetrics: MetricFamily {
    let registry: PrometheusCollectorRegistry
    private let counters = Mutex<[String: Counter]>([:])

    public init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    public convenience init(metrics: KeywardMetrics) { self.init(registry: metrics.registry) }

    func step(_ step: String, issuer: String) {
        counters.withLock { all in
            let key = "\(issuer)|\(step)"
            if let existing = all[key] { return existing }
            let made = registry.makeCounter(
                descriptor: KeywardMetrics.descriptor("keyward_acme_steps_total",
                                                      "ACME steps taken (orders, challenges, issuances, revocations) per issuer."),
                labels: [("issuer", issuer), ("step", step)])
            all[key] = made
            return made
        }.increment()
    }
}
