import ControllerRuntime
import Foundation
import KubernetesClient
import Synchronization

/// The Certificate controller's series: per Certificate its timestamps, Ready status, issuances, renewals,
/// revocations and failures. One per registry: `metrics.family(CertificateMetrics.self)`.
///
/// One row per Certificate (``CertificateSeries``), rendered into the families at scrape time: 10,000 Certificates
/// kept as one dictionary entry per series took 1.5 KB each (``ObjectFamilySource``).
public final class CertificateMetrics: ObjectFamilySource {
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
    private let rows = Mutex<[ObjectKey: CertificateSeries]>([:])
    /// The issuer label, the same for every Certificate of one issuer: one copy each.
    private let issuers = SharedValuePool<String>()

    public init(metrics: KeywardMetrics) {}

    /// Sets a Certificate's gauges: timestamps and the cert-manager style ready status (one series per condition
    /// status, 1 on the current one). A changed issuer replaces the old series rather than leaving them behind.
    public func setStatus(_ labels: CertificateMetricLabels, _ sample: StatusSample) {
        update(labels) { row in
            row.notAfter = sample.notAfter?.timeIntervalSince1970
            row.notBefore = sample.notBefore?.timeIntervalSince1970
            row.renewalTime = sample.renewalTime?.timeIntervalSince1970
            row.ready = sample.ready
        }
    }

    public func issued(_ labels: CertificateMetricLabels) {
        update(labels) { $0.issuances = ($0.issuances ?? 0) + 1 }
    }

    public func renewed(_ labels: CertificateMetricLabels) {
        update(labels) { $0.renewals = ($0.renewals ?? 0) + 1 }
    }

    public func revoked(_ labels: CertificateMetricLabels) {
        update(labels) { $0.revocations = ($0.revocations ?? 0) + 1 }
    }

    /// - Parameter reason: a CamelCase reason from a fixed set (the condition reason), never free text: every
    ///   distinct value is a new series.
    public func failed(_ labels: CertificateMetricLabels, reason: String) {
        update(labels) { $0.failures[reason, default: 0] += 1 }
    }

    /// Drops every series of a deleted Certificate.
    public func remove(name: String, namespace: String) {
        _ = rows.withLock { $0.removeValue(forKey: ObjectKey(namespace: namespace, name: name)) }
    }

    /// Changes a Certificate's row; under new labels (another issuer) the row starts over, so no series stays
    /// behind under the former ones.
    private func update(_ labels: CertificateMetricLabels, _ change: (inout CertificateSeries) -> Void) {
        rows.withLock { rows in
            let key = ObjectKey(namespace: labels.namespace, name: labels.name)
            var row = rows[key].flatMap { $0.labels == labels ? $0 : nil }
                ?? CertificateSeries(labels: CertificateMetricLabels(name: labels.name, namespace: labels.namespace,
                                                                     issuer: issuers.shared(labels.issuer)))
            change(&row)
            rows[key] = row
        }
    }

    public func snapshot() -> [ObjectFamilySnapshot] {
        let rows = rows.withLock { Array($0.values) }
        func family(_ name: String, _ help: String, _ kind: ObjectSeries.Kind, extra: [String] = [],
                    _ series: (CertificateSeries) -> [(labels: [String], value: Double)]) -> ObjectFamilySnapshot {
            ObjectFamilySnapshot(name: name, help: help, kind: kind, labelNames: Self.objectLabels + extra,
                                 series: rows.flatMap(series))
        }
        func one(_ value: KeyPath<CertificateSeries, Double?>) -> (CertificateSeries) -> [(labels: [String], value: Double)] {
            { row in row[keyPath: value].map { [(labels: row.labels.values, value: $0)] } ?? [] }
        }
        return [
            family("keyward_certificate_expiration_timestamp_seconds", "The certificate's notAfter (Unix seconds).",
                   .gauge, one(\.notAfter)),
            family("keyward_certificate_not_before_timestamp_seconds", "The certificate's notBefore (Unix seconds).",
                   .gauge, one(\.notBefore)),
            family("keyward_certificate_renewal_timestamp_seconds", "When Keyward will renew the certificate (Unix seconds).",
                   .gauge, one(\.renewalTime)),
            family("keyward_certificate_ready_status", "The certificate's Ready condition: 1 on the current status.",
                   .gauge, extra: ["condition"]) { row in
                guard let ready = row.ready else { return [] }
                return [Condition.Status.true, .false, .unknown].map {
                    (labels: row.labels.values + [$0.rawValue], value: $0 == ready ? 1.0 : 0.0)
                }
            },
            family("keyward_certificate_issuances_total", "Certificates issued for the first time or after a key or spec change.",
                   .counter, one(\.issuances)),
            family("keyward_certificate_renewals_total", "Certificates re-issued because their renewal time arrived.",
                   .counter, one(\.renewals)),
            family("keyward_certificate_revocations_total", "Certificates added to their issuer's CRL.",
                   .counter, one(\.revocations)),
            family("keyward_certificate_failures_total", "Failed issuance or renewal attempts by reason.",
                   .counter, extra: ["reason"]) { row in
                row.failures.map { (labels: row.labels.values + [$0.key], value: $0.value) }
            },
        ]
    }
}
