import Prometheus

/// The handles of one SecretRotation's series.
struct SecretRotationSeries {
    /// A finished rotation's labels besides the object's.
    struct Outcome: Hashable {
        var strategy: String
        var result: String
    }

    var rotations: [Outcome: Counter] = [:]
    var lastRotation: Gauge?
    var phases: [String: Gauge] = [:]

    func unregister(from registry: PrometheusCollectorRegistry) {
        for counter in rotations.values { registry.unregisterCounter(counter) }
        if let lastRotation { registry.unregisterGauge(lastRotation) }
        for gauge in phases.values { registry.unregisterGauge(gauge) }
    }
}
