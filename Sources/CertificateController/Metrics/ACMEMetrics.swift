import ControllerRuntime
import Prometheus
import Synchronization

/// `keyward_acme_steps_total{issuer, step}`: every ACME step Keyward took — `order_created`, `challenge_presented`,
/// `challenge_valid`, `challenge_invalid`, `self_check_failed`, `order_invalid`, `issued`, `revoked` — per issuer
/// (`Issuer/NAMESPACE/NAME`, `ClusterIssuer/NAME`: two tenants' Issuers of one name are two series). Bounded by the
/// issuers that exist: a deleted issuer's series go (``removeIssuer(_:)``). One per registry:
/// `metrics.family(ACMEMetrics.self)`.
public final class ACMEMetrics: MetricFamily {
    let registry: PrometheusCollectorRegistry
    private let counters = Mutex<[String: Counter]>([:])

    public init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    public convenience init(metrics: KeywardMetrics) { self.init(registry: metrics.registry) }

    /// The `issuer` label: an Issuer's namespace is part of it.
    static func issuerLabel(kind: String, namespace: String?, name: String) -> String {
        namespace.map { "\(kind)/\($0)/\(name)" } ?? "\(kind)/\(name)"
    }

    /// Drops every series of `issuer` (an ``issuerLabel(kind:namespace:name:)``): the issuer is gone.
    func removeIssuer(_ issuer: String) {
        let removed = counters.withLock { all -> [Counter] in
            let keys = all.keys.filter { $0.hasPrefix("\(issuer)|") }
            return keys.compactMap { all.removeValue(forKey: $0) }
        }
        for counter in removed { registry.unregisterCounter(counter) }
    }

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
