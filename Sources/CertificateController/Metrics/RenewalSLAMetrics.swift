import ControllerRuntime
import Foundation
import KeywardAPI
import KubernetesClient
import Prometheus
import Synchronization

/// Per Certificate, the renewal SLA as two gauges: `keyward_certificate_renewal_sla_warning` (1 while RenewalSLA is
/// AtRisk) and `keyward_certificate_renewal_sla_breach` (1 while Breached). Both 0 on track; no series before the
/// first issuance. One per registry: `metrics.family(RenewalSLAMetrics.self)`.
public final class RenewalSLAMetrics: MetricFamily {
    private struct Series {
        var labels: CertificateMetricLabels
        var warning: Gauge
        var breach: Gauge
    }

    private let registry: PrometheusCollectorRegistry
    private let series = Mutex<[ObjectKey: Series]>([:])

    public init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    /// Follows the Certificate's RenewalSLA condition.
    public func observe(_ certificate: Certificate, labels: CertificateMetricLabels) {
        let key = ObjectKey(namespace: labels.namespace, name: labels.name)
        guard let condition = certificate.status?.conditions[type: Certificate.ConditionType.renewalSLA] else {
            remove(namespace: labels.namespace, name: labels.name)
            return
        }
        let stale: Series? = series.withLock { all in
            var current = all[key]
            var replaced: Series?
            if let existing = current, existing.labels != labels {
                replaced = existing
                current = nil
            }
            let made = current ?? Series(
                labels: labels,
                warning: registry.makeGauge(descriptor: KeywardMetrics.descriptor(
                    "keyward_certificate_renewal_sla_warning",
                    "1 while the Certificate's renewal is at risk (RenewalSLA=False AtRisk), else 0."), labels: labels.pairs),
                breach: registry.makeGauge(descriptor: KeywardMetrics.descriptor(
                    "keyward_certificate_renewal_sla_breach",
                    "1 while the Certificate is past its renewalTime without being renewed (RenewalSLA=False Breached), else 0."),
                    labels: labels.pairs))
            made.warning.set(condition.reason == Certificate.Reason.slaAtRisk ? 1.0 : 0.0)
            made.breach.set(condition.reason == Certificate.Reason.slaBreached ? 1.0 : 0.0)
            all[key] = made
            return replaced
        }
        if let stale { unregister(stale) }
    }

    /// Drops a deleted Certificate's series.
    public func remove(namespace: String, name: String) {
        if let gone = series.withLock({ $0.removeValue(forKey: ObjectKey(namespace: namespace, name: name)) }) { unregister(gone) }
    }

    private func unregister(_ series: Series) {
        registry.unregisterGauge(series.warning)
        registry.unregisterGauge(series.breach)
    }
}
