/// What one Certificate has series under: its labels, and the failure reasons counted for it.
struct CertificateSeries {
    var labels: CertificateMetricLabels
    var failureReasons: Set<String> = []
}
