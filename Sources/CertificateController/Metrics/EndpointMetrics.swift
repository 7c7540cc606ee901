import ControllerRuntime
import Foundation
import KeywardAPI
import KubernetesClient
import Synchronization

/// Per endpoint of a Certificate: whether a certificate could be read (`keyward_certificate_endpoint_up`), whether
/// it is the current one (`…_serving_current`) and when the served leaf expires (`…_not_after_seconds`). Labels:
/// namespace, name, endpoint (the address) and server_name; at most ``Certificate/Endpoint/maximumCount`` endpoints
/// per Certificate, and an endpoint's series go with it. One per registry: `metrics.family(EndpointMetrics.self)`.
///
/// Rows rendered at scrape time (``ObjectFamilySource``), like ``CertificateMetrics``: registry gauges copied their
/// family's label dictionary on every add, O(N²) in the number of endpoints.
public final class EndpointMetrics: ObjectFamilySource, EndpointProbeObserver {
    /// One probed endpoint: its labels, in the families' label order, and its values.
    struct Row {
        var labels: [String]
        var up: Double
        var current: Double
        var notAfter: Double?
    }

    /// Per Certificate, per (address, server name).
    private let rows = Mutex<[ObjectKey: [String: Row]]>([:])
    private static let labelNames = ["namespace", "name", "endpoint", "server_name"]

    public init(metrics: KeywardMetrics) {}

    public func observe(_ certificate: Certificate) async {
        let key = ObjectKey(namespace: certificate.metadata.namespace, name: certificate.metadata.name)
        var current: [String: Row] = [:]
        for entry in certificate.status?.endpoints ?? [] where entry.lastChecked != nil {
            current["\(entry.address)|\(entry.serverName ?? "")"] = Row(
                labels: [certificate.metadata.namespace ?? "", certificate.metadata.name, entry.address, entry.serverName ?? ""],
                up: entry.servedSerial != nil ? 1.0 : 0.0, current: entry.matches ? 1.0 : 0.0,
                notAfter: entry.servedNotAfter?.timeIntervalSince1970)
        }
        rows.withLock { $0[key] = current.isEmpty ? nil : current }
    }

    public func removed(namespace: String?, name: String) async {
        _ = rows.withLock { $0.removeValue(forKey: ObjectKey(namespace: namespace, name: name)) }
    }

    public func snapshot() -> [ObjectFamilySnapshot] {
        let rows = rows.withLock { $0.values.flatMap(\.values) }
        func gauge(_ name: String, _ help: String, _ value: (Row) -> Double?) -> ObjectFamilySnapshot {
            ObjectFamilySnapshot(name: name, help: help, kind: .gauge, labelNames: Self.labelNames,
                                 series: rows.compactMap { row in value(row).map { (labels: row.labels, value: $0) } })
        }
        return [
            gauge("keyward_certificate_endpoint_up", "1 when the endpoint's last probe read a certificate.") { $0.up },
            gauge("keyward_certificate_endpoint_serving_current",
                  "1 when the endpoint serves the certificate now in the Secret.") { $0.current },
            gauge("keyward_certificate_endpoint_not_after_seconds",
                  "When the certificate the endpoint serves expires (Unix seconds).") { $0.notAfter },
        ]
    }
}
