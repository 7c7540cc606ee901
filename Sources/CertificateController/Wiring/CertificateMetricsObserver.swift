import ControllerRuntime
import KeywardAPI
import KubernetesClient

/// Feeds the Certificate reconciler's observations into Prometheus series.
struct CertificateMetricsObserver: CertificateObserver {
    let metrics: CertificateMetrics
    /// The renewal SLA gauges, which follow the RenewalSLA condition.
    let renewalSLA: RenewalSLAMetrics

    private func labels(_ certificate: Certificate) -> CertificateMetricLabels {
        CertificateMetricLabels(name: certificate.metadata.name, namespace: certificate.metadata.namespace ?? "",
                                issuer: certificate.spec.issuer.summary)
    }

    func observe(_ certificate: Certificate) async {
        let ready = certificate.status?.conditions.first { $0.type == Certificate.ConditionType.ready }?.status ?? .unknown
        metrics.setStatus(labels(certificate), CertificateMetrics.StatusSample(
            notBefore: certificate.status?.notBefore, notAfter: certificate.status?.notAfter,
            renewalTime: certificate.status?.renewalTime, ready: ready))
        renewalSLA.observe(certificate, labels: labels(certificate))
    }

    func issued(_ certificate: Certificate, renewal: Bool) async {
        if renewal { metrics.renewed(labels(certificate)) } else { metrics.issued(labels(certificate)) }
    }

    func failed(_ certificate: Certificate, reason: String) async {
        metrics.failed(labels(certificate), reason: reason)
    }

    func revoked(_ certificate: Certificate) async { metrics.revoked(labels(certificate)) }

    func removed(namespace: String?, name: String) async {
        metrics.remove(name: name, namespace: namespace ?? "")
        renewalSLA.remove(namespace: namespace ?? "", name: name)
    }
}
