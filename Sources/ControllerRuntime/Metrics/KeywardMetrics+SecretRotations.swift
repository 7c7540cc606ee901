import Foundation
import Prometheus
import Synchronization

/// The handles of one SecretRotation's series.
struct SecretRotationSeries {
    var rotations: [SecretRotationOutcomeKey: Counter] = [:]
    var lastRotation: Gauge?
    var phases: [String: Gauge] = [:]

    func unregister(from registry: PrometheusCollectorRegistry) {
        for counter in rotations.values { registry.unregisterCounter(counter) }
        if let lastRotation { registry.unregisterGauge(lastRotation) }
        for gauge in phases.values { registry.unregisterGauge(gauge) }
    }
}

struct SecretRotationOutcomeKey: Hashable {
    var strategy: String
    var result: String
}

extension KeywardMetrics {
    /// How one rotation attempt ended.
    public enum RotationResult: String, Sendable, CaseIterable {
        case success
        case failure
        /// Rolled back to the previous value after verification failed.
        case rolledBack = "rolled_back"
    }

    /// Counts a finished rotation; a successful one also moves the last-rotation timestamp.
    public func secretRotated(name: String, namespace: String, strategy: String, result: RotationResult, at time: Date) {
        let (counter, gauge) = state.withLock { state in
            let key = ObjectKey(namespace: namespace, name: name)
            var series = state.rotations[key] ?? SecretRotationSeries()
            let outcome = SecretRotationOutcomeKey(strategy: strategy, result: result.rawValue)
            let counter = series.rotations[outcome] ?? registry.makeCounter(
                descriptor: Self.descriptor("keyward_secretrotation_rotations_total",
                                            "Finished secret rotations by strategy and result."),
                labels: [("name", name), ("namespace", namespace), ("strategy", strategy), ("result", result.rawValue)])
            series.rotations[outcome] = counter
            var gauge: Gauge?
            if result == .success {
                gauge = series.lastRotation ?? registry.makeGauge(
                    descriptor: Self.descriptor("keyward_secretrotation_last_rotation_timestamp_seconds",
                                                "When the secret was last rotated successfully (Unix seconds)."),
                    labels: [("name", name), ("namespace", namespace)])
                series.lastRotation = gauge
            }
            state.rotations[key] = series
            return (counter, gauge)
        }
        counter.increment()
        gauge?.set(time.timeIntervalSince1970)
    }

    /// Reports the current phase as 1 and every other known phase as 0 (kube-state-metrics' pod phase shape).
    public func setSecretRotationPhase(name: String, namespace: String, phase: String) {
        state.withLock { state in
            let key = ObjectKey(namespace: namespace, name: name)
            var series = state.rotations[key] ?? SecretRotationSeries()
            var phases = secretRotationPhases
            for seen in series.phases.keys.sorted() where !phases.contains(seen) { phases.append(seen) }
            if !phases.contains(phase) { phases.append(phase) }
            for candidate in phases {
                let gauge = series.phases[candidate] ?? registry.makeGauge(
                    descriptor: Self.descriptor("keyward_secretrotation_phase",
                                                "The SecretRotation's phase: 1 on the current phase."),
                    labels: [("name", name), ("namespace", namespace), ("phase", candidate)])
                gauge.set(candidate == phase ? 1.0 : 0.0)
                series.phases[candidate] = gauge
            }
            state.rotations[key] = series
        }
    }

    /// Drops every series of a deleted SecretRotation.
    public func removeSecretRotation(name: String, namespace: String) {
        let removed = state.withLock { $0.rotations.removeValue(forKey: ObjectKey(namespace: namespace, name: name)) }
        removed?.unregister(from: registry)
    }
}
