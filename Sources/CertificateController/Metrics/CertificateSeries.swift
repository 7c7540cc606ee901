import KubernetesClient

/// One Certificate's values for every per-Certificate family: a row of ``CertificateMetrics``. A nil value has no
/// series (no certificate issued yet, nothing counted yet).
struct CertificateSeries {
    var labels: CertificateMetricLabels
    var notBefore: Double?
    var notAfter: Double?
    var renewalTime: Double?
    var ready: Condition.Status?
    var issuances: Double?
    var renewals: Double?
    var revocations: Double?
    /// Failed attempts by condition reason.
    var failures: [String: Double] = [:]

    init(labels: CertificateMetricLabels) { self.labels = labels }
}
