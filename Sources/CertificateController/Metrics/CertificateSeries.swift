import KubernetesClient
import Prometheus

/// The handles of one Certificate's series, kept so they can be unregistered when it is deleted.
struct CertificateSeries {
    var labels: CertificateMetricLabels
    var expiration: Gauge?
    var notBefore: Gauge?
    var renewal: Gauge?
    var ready: [Condition.Status: Gauge] = [:]
    var issuances: Counter?
    var renewals: Counter?
    var revocations: Counter?
    var failures: [String: Counter] = [:]

    func unregister(from registry: PrometheusCollectorRegistry) {
        for gauge in [expiration, notBefore, renewal].compactMap({ $0 }) + Array(ready.values) {
            registry.unregisterGauge(gauge)
        }
        for counter in [issuances, renewals, revocations].compactMap({ $0 }) + Array(failures.values) {
            registry.unregisterCounter(counter)
        }
    }
}
