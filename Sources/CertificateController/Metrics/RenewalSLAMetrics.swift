import ControllerRuntime
import Foundation
import KeywardAPI
import KubernetesClient
import Synchronization

/// Per Certificate, the renewal SLA as two gauges: `keyward_certificate_renewal_sla_warning` (1 while RenewalSLA is
/// AtRisk) and `keyward_certificate_renewal_sla_breach` (1 while Breached). Both 0 on track; no series before the
/// first issuance. One per registry: `metrics.family(RenewalSLAMetrics.self)`. One row per Certificate, like
/// ``CertificateMetrics``.
public final class RenewalSLAMetrics: ObjectFamilySource {
    private struct Row {
        var labels: CertificateMetricLabels
        var reason: String
    }

    private let rows = Mutex<[ObjectKey: Row]>([:])

    public init(metrics: KeywardMetrics) {}

    /// Follows the Certificate's RenewalSLA condition.
    public func observe(_ certificate: Certificate, labels: CertificateMetricLabels) {
        let key = ObjectKey(namespace: labels.namespace, name: labels.name)
        guard let condition = certificate.status?.conditions[type: Certificate.ConditionType.renewalSLA] else {
            remove(namespace: labels.namespace, name: labels.name)
            return
        }
        rows.withLock { $0[key] = Row(labels: labels, reason: condition.reason) }
    }

    /// Drops a deleted Certificate's series.
    public func remove(namespace: String, name: String) {
        _ = rows.withLock { $0.removeValue(forKey: ObjectKey(namespace: namespace, name: name)) }
    }

    public func snapshot() -> [ObjectFamilySnapshot] {
        let rows = rows.withLock { Array($0.values) }
        func gauge(_ name: String, _ help: String, on reason: String) -> ObjectFamilySnapshot {
            ObjectFamilySnapshot(name: name, help: help, kind: .gauge, labelNames: ["name", "namespace", "issuer"],
                                 series: rows.map { (labels: $0.labels.values, value: $0.reason == reason ? 1.0 : 0.0) })
        }
        return [
            gauge("keyward_certificate_renewal_sla_warning",
                  "1 while the Certificate's renewal is at risk (RenewalSLA=False AtRisk), else 0.", on: Certificate.Reason.slaAtRisk),
            gauge("keyward_certificate_renewal_sla_breach",
                  "1 while the Certificate is past its renewalTime without being renewed (RenewalSLA=False Breached), else 0.",
                  on: Certificate.Reason.slaBreached),
        ]
    }
}
