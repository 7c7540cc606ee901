import CertificateController
import ControllerRuntime
import KeywardAPI
import KubernetesClient

/// Feeds the Certificate reconciler's observations into Prometheus series.
struct CertificateMetricsObserver: CertificateObserver {
    let metrics: KeywardMetrics

    private func labels(_ certificate: Certificate) -> CertificateMetricLabels {
        CertificateMetricLabels(name: certificate.metadata.name, namespace: certificate.metadata.namespace ?? "",
                                issuer: certificate.spec.issuer.summary)
    }

    func observe(_ certificate: Certificate) async {
        let ready = certificate.status?.conditions.first { $0.type == Certificate.ConditionType.ready }?.status ?? .unknown
        metrics.setCertificateStatus(labels(certificate), KeywardMetrics.CertificateStatusSample(
            notBefore: certificate.status?.notBefore, notAfter: certificate.status?.notAfter,
            renewalTime: certificate.status?.renewalTime, ready: ready))
    }

    func issued(_ certificate: Certificate, renewal: Bool) async {
        if renewal { metrics.certificateRenewed(labels(certificate)) } else { metrics.certificateIssued(labels(certificate)) }
    }

    func failed(_ certificate: Certificate, reason: String) async {
        metrics.certificateFailed(labels(certificate), reason: reason)
    }

    func revoked(_ certificate: Certificate) async { metrics.certificateRevoked(labels(certificate)) }

    func removed(namespace: String?, name: String) async {
        metrics.removeCertificate(name: name, namespace: namespace ?? "")
    }
}
