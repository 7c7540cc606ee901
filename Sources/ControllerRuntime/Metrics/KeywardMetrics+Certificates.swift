import Foundation
import KubernetesClient
import Prometheus
import Synchronization

/// The labels every per-Certificate series carries.
public struct CertificateMetricLabels: Sendable, Hashable {
    public var name: String
    public var namespace: String
    /// The issuer reference as users write it (`ClusterIssuer/root-ca`, `ca-issuer`).
    public var issuer: String

    public init(name: String, namespace: String, issuer: String) {
        self.name = name
        self.namespace = namespace
        self.issuer = issuer
    }

    var pairs: [(String, String)] { [("name", name), ("namespace", namespace), ("issuer", issuer)] }
}

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

extension KeywardMetrics {
    /// What a Certificate's status says right now; `nil` fields remove their series (no certificate issued yet).
    public struct CertificateStatusSample: Sendable, Hashable {
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

    /// Sets a Certificate's gauges: timestamps and the cert-manager style ready status (one series per condition
    /// status, 1 on the current one). A changed issuer replaces the old series rather than leaving them behind.
    public func setCertificateStatus(_ labels: CertificateMetricLabels, _ sample: CertificateStatusSample) {
        state.withLock { state in
            var series = certificateSeries(labels, in: &state)
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
            state.certificates[ObjectKey(namespace: labels.namespace, name: labels.name)] = series
        }
    }

    public func certificateIssued(_ labels: CertificateMetricLabels) {
        certificateCounter(labels, \.issuances, "keyward_certificate_issuances_total",
                           "Certificates issued for the first time or after a key or spec change.")
    }

    public func certificateRenewed(_ labels: CertificateMetricLabels) {
        certificateCounter(labels, \.renewals, "keyward_certificate_renewals_total",
                           "Certificates re-issued because their renewal time arrived.")
    }

    public func certificateRevoked(_ labels: CertificateMetricLabels) {
        certificateCounter(labels, \.revocations, "keyward_certificate_revocations_total",
                           "Certificates added to their issuer's CRL.")
    }

    /// - Parameter reason: a CamelCase reason from a fixed set (the condition reason), never free text: every
    ///   distinct value is a new series.
    public func certificateFailed(_ labels: CertificateMetricLabels, reason: String) {
        let counter = state.withLock { state in
            var series = certificateSeries(labels, in: &state)
            let counter = series.failures[reason] ?? registry.makeCounter(
                descriptor: Self.descriptor("keyward_certificate_failures_total",
                                            "Failed issuance or renewal attempts by reason."),
                labels: labels.pairs + [("reason", reason)])
            series.failures[reason] = counter
            state.certificates[ObjectKey(namespace: labels.namespace, name: labels.name)] = series
            return counter
        }
        counter.increment()
    }

    /// Drops every series of a deleted Certificate.
    public func removeCertificate(name: String, namespace: String) {
        let removed = state.withLock { $0.certificates.removeValue(forKey: ObjectKey(namespace: namespace, name: name)) }
        removed?.unregister(from: registry)
    }

    private func certificateCounter(_ labels: CertificateMetricLabels, _ field: WritableKeyPath<CertificateSeries, Counter?>,
                                    _ name: String, _ help: String) {
        let counter = state.withLock { state in
            var series = certificateSeries(labels, in: &state)
            let counter = series[keyPath: field] ?? registry.makeCounter(
                descriptor: Self.descriptor(name, help), labels: labels.pairs)
            series[keyPath: field] = counter
            state.certificates[ObjectKey(namespace: labels.namespace, name: labels.name)] = series
            return counter
        }
        counter.increment()
    }

    /// The series group for `labels`, replacing one recorded under a different issuer.
    private func certificateSeries(_ labels: CertificateMetricLabels, in state: inout State) -> CertificateSeries {
        let key = ObjectKey(namespace: labels.namespace, name: labels.name)
        if let existing = state.certificates[key] {
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
