import ControllerRuntime
import Foundation
import KubernetesClient
import Synchronization

/// The Certificate controller's series: per Certificate its timestamps, Ready status, issuances, renewals,
/// revocations and failures. One per registry: `metrics.family(CertificateMetrics.self)`.
///
/// Per-object families (``ObjectSeries``), not registry gauges: one series per Certificate made the registry's
/// copy-on-add O(N²) in the number of Certificates.
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

    private static let objectLabels = ["name", "namespace", "issuer"]

    let expiration, notBefore, renewal, ready: ObjectSeries
    let issuances, renewals, revocations, failures: ObjectSeries
    /// Per Certificate: the labels its series carry and the failure reasons seen, so all of them can be removed.
    private let series = Mutex<[ObjectKey: CertificateSeries]>([:])

    public init(metrics: KeywardMetrics) {
        func gauge(_ name: String, _ help: String, _ extra: [String] = []) -> ObjectSeries {
            metrics.objectSeries(name, help, kind: .gauge, labels: Self.objectLabels + extra)
        }
        func counter(_ name: String, _ help: String, _ extra: [String] = []) -> ObjectSeries {
            metrics.objectSeries(name, help, kind: .counter, labels: Self.objectLabels + extra)
        }
        expiration = gauge("keyward_certificate_expiration_timestamp_seconds", "The certificate's notAfter (Unix seconds).")
        notBefore = gauge("keyward_certificate_not_before_timestamp_seconds", "The certificate's notBefore (Unix seconds).")
        renewal = gauge("keyward_certificate_renewal_timestamp_seconds", "When Keyward will renew the certificate (Unix seconds).")
        ready = gauge("keyward_certificate_ready_status", "The certificate's Ready condition: 1 on the current status.",
                      ["condition"])
        issuances = counter("keyward_certificate_issuances_total",
                            "Certificates issued for the first time or after a key or spec change.")
        renewals = counter("keyward_certificate_renewals_total", "Certificates re-issued because their renewal time arrived.")
        revocations = counter("keyward_certificate_revocations_total", "Certificates added to their issuer's CRL.")
        failures = counter("keyward_certificate_failures_total", "Failed issuance or renewal attempts by reason.", ["reason"])
    }

    /// Sets a Certificate's gauges: timestamps and the cert-manager style ready status (one series per condition
    /// status, 1 on the current one). A changed issuer replaces the old series rather than leaving them behind.
    public func setStatus(_ labels: CertificateMetricLabels, _ sample: StatusSample) {
        track(labels)
        let values = labels.values
        for (family, date) in [(expiration, sample.notAfter), (notBefore, sample.notBefore), (renewal, sample.renewalTime)] {
            if let date { family.set(values, date.timeIntervalSince1970) } else { family.remove(values) }
        }
        for status in [Condition.Status.true, .false, .unknown] {
            ready.set(values + [status.rawValue], status == sample.ready ? 1.0 : 0.0)
        }
    }

    public func issued(_ labels: CertificateMetricLabels) {
        track(labels)
        issuances.increment(labels.values)
    }

    public func renewed(_ labels: CertificateMetricLabels) {
        track(labels)
        renewals.increment(labels.values)
    }

    public func revoked(_ labels: CertificateMetricLabels) {
        track(labels)
        revocations.increment(labels.values)
    }

    /// - Parameter reason: a CamelCase reason from a fixed set (the condition reason), never free text: every
    ///   distinct value is a new series.
    public func failed(_ labels: CertificateMetricLabels, reason: String) {
        track(labels, failure: reason)
        failures.increment(labels.values + [reason])
    }

    /// Drops every series of a deleted Certificate.
    public func remove(name: String, namespace: String) {
        if let gone = series.withLock({ $0.removeValue(forKey: ObjectKey(namespace: namespace, name: name)) }) {
            removeSeries(gone)
        }
    }

    /// Records the labels (and a failure reason) of a Certificate; series under a former issuer are removed.
    private func track(_ labels: CertificateMetricLabels, failure: String? = nil) {
        let replaced: CertificateSeries? = series.withLock { all in
            let key = ObjectKey(namespace: labels.namespace, name: labels.name)
            var current = all[key] ?? CertificateSeries(labels: labels)
            var replaced: CertificateSeries?
            if current.labels != labels {
                replaced = current
                current = CertificateSeries(labels: labels)
            }
            if let failure { current.failureReasons.insert(failure) }
            all[key] = current
            return replaced
        }
        if let replaced { removeSeries(replaced) }
    }

    private func removeSeries(_ gone: CertificateSeries) {
        let values = gone.labels.values
        for family in [expiration, notBefore, renewal, issuances, renewals, revocations] { family.remove(values) }
        for status in [Condition.Status.true, .false, .unknown] { ready.remove(values + [status.rawValue]) }
        for reason in gone.failureReasons { failures.remove(values + [reason]) }
    }
}
