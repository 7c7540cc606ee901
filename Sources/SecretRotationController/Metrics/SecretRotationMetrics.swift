import ControllerRuntime
import Foundation
import Prometheus
import Synchronization

/// The SecretRotation controller's series: per SecretRotation its finished rotations, last success and phase.
/// One per registry: `metrics.family(SecretRotationMetrics.self)`.
public final class SecretRotationMetrics: MetricFamily {
    /// How one rotation attempt ended.
    public enum RotationResult: String, Sendable, CaseIterable {
        case success
        case failure
        /// Rolled back to the previous value after verification failed.
        case rolledBack = "rolled_back"
    }

    let registry: PrometheusCollectorRegistry
    /// Phases reported (at 0) for every SecretRotation besides its current one, so
    /// `keyward_secretrotation_phase{phase="Failed"} == 1` style alerts see every phase series.
    let phases: [String]
    private let series = Mutex<[ObjectKey: SecretRotationSeries]>([:])

    public convenience init(metrics: KeywardMetrics) { self.init(registry: metrics.registry, phases: []) }

    public init(registry: PrometheusCollectorRegistry, phases: [String]) {
        self.registry = registry
        self.phases = phases
    }

    /// Counts a finished rotation; a successful one also moves the last-rotation timestamp.
    public func rotated(name: String, namespace: String, strategy: String, result: RotationResult, at time: Date) {
        let (counter, gauge) = series.withLock { all in
            let key = ObjectKey(namespace: namespace, name: name)
            var series = all[key] ?? SecretRotationSeries()
            let outcome = SecretRotationSeries.Outcome(strategy: strategy, result: result.rawValue)
            let counter = series.rotations[outcome] ?? registry.makeCounter(
                descriptor: KeywardMetrics.descriptor("keyward_secretrotation_rotations_total",
                                                      "Finished secret rotations by strategy and result."),
                labels: [("name", name), ("namespace", namespace), ("strategy", strategy), ("result", result.rawValue)])
            series.rotations[outcome] = counter
            var gauge: Gauge?
            if result == .success {
                gauge = series.lastRotation ?? registry.makeGauge(
                    descriptor: KeywardMetrics.descriptor("keyward_secretrotation_last_rotation_timestamp_seconds",
                                                          "When the secret was last rotated successfully (Unix seconds)."),
                    labels: [("name", name), ("namespace", namespace)])
                series.lastRotation = gauge
            }
            all[key] = series
            return (counter, gauge)
        }
        counter.increment()
        gauge?.set(time.timeIntervalSince1970)
    }

    /// Reports the current phase as 1 and every other known phase as 0 (kube-state-metrics' pod phase shape).
    public func setPhase(name: String, namespace: String, phase: String) {
        series.withLock { all in
            let key = ObjectKey(namespace: namespace, name: name)
            var series = all[key] ?? SecretRotationSeries()
            var phases = self.phases
            for seen in series.phases.keys.sorted() where !phases.contains(seen) { phases.append(seen) }
            if !phases.contains(phase) { phases.append(phase) }
            for candidate in phases {
                let gauge = series.phases[candidate] ?? registry.makeGauge(
                    descriptor: KeywardMetrics.descriptor("keyward_secretrotation_phase",
                                                          "The SecretRotation's phase: 1 on the current phase."),
                    labels: [("name", name), ("namespace", namespace), ("phase", candidate)])
                gauge.set(candidate == phase ? 1.0 : 0.0)
                series.phases[candidate] = gauge
            }
            all[key] = series
        }
    }

    /// Drops every series of a deleted SecretRotation.
    public func remove(name: String, namespace: String) {
        let removed = series.withLock { $0.removeValue(forKey: ObjectKey(namespace: namespace, name: name)) }
        removed?.unregister(from: registry)
    }
}
