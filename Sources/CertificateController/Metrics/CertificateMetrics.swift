import ControllerRuntime
import Foundation
import KubernetesClient
import Prometheus
import Synchronization

/// The Certificate controller's series: per Certificate its timestamps, Ready status, issuances, renewals,
/// revocations and failures. One per registry: `metrics.family(CertificateMetrics.self)`.
public final class CertificateMetrics: MetricFamily {
    /// What a Certificate's status says right now; `nil` fields remove their series (no certificate issued yet).
    public struct StatusSample: Sendable, Hashable {
        public var notBefore: Date?
        public var notAfter: Date?
        public var renewalTime: Date?
        public var ready: Condition.Status

        public init(notBefore: Date? = nil, notAfter: Date? = nil, renewalTime: Date? = nil,
                    ready: Condition.Status = .unknown) {
            self.notBefore = notBefore
            self.notAfter = notAfter
            self.renewalTime = renewalTime
            self.ready = ready
        }
    }

    let registry: PrometheusCollectorRegistry
    private let series = Mutex<[ObjectKey: CertificateSeries]>([:])

    public init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        KeywardMetrics.descriptor(name, help)
    }

    /// Sets a Certificate's gauges: timestamps and the cert-manager style ready status (one series per condition
    /// status, 1 on the current one). A changed issuer replaces the old series rather than leaving them behind.
    public func setStatus(_ labels: CertificateMetricLabels, _ sample: StatusSample) {
        series.withLock { all in
            var series = certificateSeries(labels, in: &all)
            series.expiration = timestampGauge(
                series.expiration, sample.notAfter, labels,
                "keyward_certificate_expiration_timestamp_seconds", "The certificate's notAfter (Unix seconds).")
            series.notBefore = timestampGauge(
                series.notBefore, sample.notBefore, labels,
                "keyward_certificate_not_before_timestamp_seconds", "The certificate's notBefore (Unix seconds).")
            series.renewal = timestampGauge(
                series.renewal, sample.renewalTime, labels,
                "keyward_certificate_renewal_timestamp_seconds", "When Keyward will renew the certificate (Unix seconds).")
            for status in [Condition.Status.true, .false, .unknown] {
                let gauge = series.ready[status] ?? registry.makeGauge(
                    descriptor: Self.descriptor("keyward_certificate_ready_status",
                                                "The certificate's Ready condition: 1 on the current status."),
                    labels: labels.pairs + [("condition", status.rawValue)])
                gauge.set(status == sample.ready ? 1.0 : 0.0)
                series.ready[status] = gauge
            }
            all[Self.key(labels)] = series
        }
    }

    public func issued(_ labels: CertificateMetricLabels) {
        counter(labels, \.issuances, "keyward_certificate_issuances_total",
                "Certificates issued for the first time or after a key or spec change.")
    }

    public func renewed(_ labels: CertificateMetricLabels) {
        counter(labels, \.renewals, "keyward_certificate_renewals_total",
                "Certificates re-issued because their renewal time arrived.")
    }

    public func revoked(_ labels: CertificateMetricLabels) {
        counter(labels, \.revocations, "keyward_certificate_revocations_total", "Certificates added to their issuer's CRL.")
    }

    /// - Parameter reason: a CamelCase reason from a fixed set (the condition reason), never free text: every
    ///   distinct value is a new series.
    public func failed(_ labels: CertificateMetricLabels, reason: String) {
        let counter = series.withLock { all in
            var series = certificateSeries(labels, in: &all)
            let counter = series.failures[reason] ?? registry.makeCounter(
                descriptor: Self.descriptor("keyward_certificate_failures_total",
                                            "Failed issuance or renewal attempts by reason."),
                labels: labels.pairs + [("reason", reason)])
            series.failures[reason] = counter
            all[Self.key(labels)] = series
            return counter
        }
        counter.increment()
    }

    /// Drops every series of a deleted Certificate.
    public func remove(name: String, namespace: String) {
        let removed = series.withLock { $0.removeValue(forKey: ObjectKey(namespace: namespace, name: name)) }
        removed?.unregister(from: registry)
    }

    private static func key(_ labels: CertificateMetricLabels) -> ObjectKey {
        ObjectKey(namespace: labels.namespace, name: labels.name)
    }

    private func counter(_ labels: CertificateMetricLabels, _ field: WritableKeyPath<CertificateSeries, Counter?>,
                         _ name: String, _ help: String) {
        let counter = series.withLock { all in
            var series = certificateSeries(labels, in: &all)
            let counter = series[keyPath: field] ?? registry.makeCounter(
                descriptor: Self.descriptor(name, help), labels: labels.pairs)
            series[keyPath: field] = counter
            all[Self.key(labels)] = series
            return counter
        }
        counter.increment()
    }

    /// The series group for `labels`, replacing one recorded under a different issuer.
    private func certificateSeries(_ labels: CertificateMetricLabels,
                                   in all: inout [ObjectKey: CertificateSeries]) -> CertificateSeries {
        if let existing = all[Self.key(labels)] {
            if existing.labels == labels { return existing }
            existing.unregister(from: registry)
        }
        return CertificateSeries(labels: labels)
    }

    private func timestampGauge(_ current: Gauge?, _ value: Date?, _ labels: CertificateMetricLabels,
                                _ name: String, _ help: String) -> Gauge? {
        guard let value else {
            if let current { registry.unregisterGauge(current) }
            return nil
        }
        let gauge = current ?? registry.makeGauge(descriptor: Self.descriptor(name, help), labels: labels.pairs)
        gauge.set(value.timeIntervalSince1970)
        return gauge
    }
}
