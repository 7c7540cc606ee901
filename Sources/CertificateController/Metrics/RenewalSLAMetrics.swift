import ControllerRuntime
import Foundation
import KeywardAPI
import KubernetesClient
import Synchronization

/// Per Certificate, the renewal SLA as two gauges: `keyward_certificate_renewal_sla_warning` (1 while RenewalSLA is
/// AtRisk) and `keyward_certificate_renewal_sla_breach` (1 while Breached). Both 0 on track; no series before the
/// first issuance. One per registry: `metrics.family(RenewalSLAMetrics.self)`. Per-object families, like
/// ``CertificateMetrics``, so 10,000 Certificates cost O(N), not O(N²).
public final class RenewalSLAMetrics: MetricFamily {
    private let warning, breach: ObjectSeries
    /// The labels each Certificate's series carry, to remove them under a former issuer or on deletion.
    private let labelsByObject = Mutex<[ObjectKey: CertificateMetricLabels]>([:])

    public init(metrics: KeywardMetrics) {
        let names = ["name", "namespace", "issuer"]
        warning = metrics.objectSeries(
            "keyward_certificate_renewal_sla_warning",
            "1 while the Certificate's renewal is at risk (RenewalSLA=False AtRisk), else 0.", kind: .gauge, labels: names)
        breach = metrics.objectSeries(
            "keyward_certificate_renewal_sla_breach",
            "1 while the Certificate is past its renewalTime without being renewed (RenewalSLA=False Breached), else 0.",
            kind: .gauge, labels: names)
    }

    /// Follows the Certificate's RenewalSLA condition.
    public func observe(_ certificate: Certificate, labels: CertificateMetricLabels) {
        let key = ObjectKey(namespace: labels.namespace, name: labels.name)
        guard let condition = certificate.status?.conditions[type: Certificate.ConditionType.renewalSLA] else {
            remove(namespace: labels.namespace, name: labels.name)
            return
        }
        let former = labelsByObject.withLock { $0.updateValue(labels, forKey: key) }
        if let former, former != labels { removeSeries(former) }
        warning.set(labels.values, condition.reason == Certificate.Reason.slaAtRisk ? 1.0 : 0.0)
        breach.set(labels.values, condition.reason == Certificate.Reason.slaBreached ? 1.0 : 0.0)
    }

    /// Drops a deleted Certificate's series.
    public func remove(namespace: String, name: String) {
        if let gone = labelsByObject.withLock({ $0.removeValue(forKey: ObjectKey(namespace: namespace, name: name)) }) {
            removeSeries(gone)
        }
    }

    private func removeSeries(_ labels: CertificateMetricLabels) {
        warning.remove(labels.values)
        breach.remove(labels.values)
    }
}
