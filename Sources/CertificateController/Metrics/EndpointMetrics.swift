import ControllerRuntime
import Foundation
import KeywardAPI
import KubernetesClient
import Prometheus
import Synchronization

/// Per endpoint of a Certificate: whether a certificate could be read (`keyward_certificate_endpoint_up`), whether
/// it is the current one (`…_serving_current`) and when the served leaf expires (`…_not_after_seconds`). Labels:
/// namespace, name, endpoint (the address) and server_name; at most ``Certificate/Endpoint/maximumCount`` endpoints
/// per Certificate, and an endpoint's series go with it. One per registry: `metrics.family(EndpointMetrics.self)`.
public final class EndpointMetrics: MetricFamily, EndpointProbeObserver {
    struct Series {
        var up: Gauge
        var current: Gauge
        var notAfter: Gauge?
    }

    let registry: PrometheusCollectorRegistry
    /// Per Certificate, per (address, server name).
    private let series = Mutex<[ObjectKey: [String: Series]]>([:])

    public init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    /// At most a few endpoints per Certificate, on the registry (bounded by ``Certificate/Endpoint/maximumCount``).
    public convenience init(metrics: KeywardMetrics) { self.init(registry: metrics.registry) }

    public func observe(_ certificate: Certificate) async {
        let key = ObjectKey(namespace: certificate.metadata.namespace, name: certificate.metadata.name)
        let entries = (certificate.status?.endpoints ?? []).filter { $0.lastChecked != nil }
        series.withLock { all in
            var current = all[key] ?? [:]
            var seen = Set<String>()
            for entry in entries {
                let id = "\(entry.address)|\(entry.serverName ?? "")"
                seen.insert(id)
                let labels = [("namespace", certificate.metadata.namespace ?? ""), ("name", certificate.metadata.name),
                              ("endpoint", entry.address), ("server_name", entry.serverName ?? "")]
                var one = current[id] ?? Series(
                    up: registry.makeGauge(descriptor: KeywardMetrics.descriptor(
                        "keyward_certificate_endpoint_up", "1 when the endpoint's last probe read a certificate."), labels: labels),
                    current: registry.makeGauge(descriptor: KeywardMetrics.descriptor(
                        "keyward_certificate_endpoint_serving_current",
                        "1 when the endpoint serves the certificate now in the Secret."), labels: labels))
                one.up.set(entry.servedSerial != nil ? 1.0 : 0.0)
                one.current.set(entry.matches ? 1.0 : 0.0)
                if let notAfter = entry.servedNotAfter {
                    let gauge = one.notAfter ?? registry.makeGauge(descriptor: KeywardMetrics.descriptor(
                        "keyward_certificate_endpoint_not_after_seconds",
                        "When the certificate the endpoint serves expires (Unix seconds)."), labels: labels)
                    gauge.set(notAfter.timeIntervalSince1970)
                    one.notAfter = gauge
                } else if let gauge = one.notAfter {
                    registry.unregisterGauge(gauge)
                    one.notAfter = nil
                }
                current[id] = one
            }
            for (id, gone) in current where !seen.contains(id) {
                unregister(gone)
                current[id] = nil
            }
            all[key] = current.isEmpty ? nil : current
        }
    }

    public func removed(namespace: String?, name: String) async {
        series.withLock { all in
            for one in (all.removeValue(forKey: ObjectKey(namespace: namespace, name: name)) ?? [:]).values { unregister(one) }
        }
    }

    private func unregister(_ one: Series) {
        registry.unregisterGauge(one.up)
        registry.unregisterGauge(one.current)
        if let notAfter = one.notAfter { registry.unregisterGauge(notAfter) }
    }
}
