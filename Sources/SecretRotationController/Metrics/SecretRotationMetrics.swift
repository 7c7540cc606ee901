import ControllerRuntime
import Foundation
import Synchronization

/// The SecretRotation controller's series: per SecretRotation its finished rotations, last success and phase.
/// One per registry: `metrics.family(SecretRotationMetrics.self)`. Per-object families (``ObjectSeries``), as for
/// Certificates: one registry series per object made N objects cost O(N²).
public final class SecretRotationMetrics: MetricFamily {
    /// How one rotation attempt ended.
    public enum RotationResult: String, Sendable, CaseIterable {
        case success
        case failure
        /// Rolled back to the previous value after verification failed.
        case rolledBack = "rolled_back"
    }

    /// Phases reported (at 0) for every SecretRotation besides its current one, so
    /// `keyward_secretrotation_phase{phase="Failed"} == 1` style alerts see every phase series.
    let phases: [String]
    private let rotations, lastRotation, phase: ObjectSeries
    /// What each SecretRotation has series under, so all of them go when it is deleted.
    private let series = Mutex<[ObjectKey: SecretRotationSeries]>([:])

    public convenience init(metrics: KeywardMetrics) { self.init(metrics: metrics, phases: []) }

    public init(metrics: KeywardMetrics, phases: [String]) {
        self.phases = phases
        rotations = metrics.objectSeries("keyward_secretrotation_rotations_total",
                                         "Finished secret rotations by strategy and result.", kind: .counter,
                                         labels: ["name", "namespace", "strategy", "result"])
        lastRotation = metrics.objectSeries("keyward_secretrotation_last_rotation_timestamp_seconds",
                                            "When the secret was last rotated successfully (Unix seconds).", kind: .gauge,
                                            labels: ["name", "namespace"])
        phase = metrics.objectSeries("keyward_secretrotation_phase", "The SecretRotation's phase: 1 on the current phase.",
                                     kind: .gauge, labels: ["name", "namespace", "phase"])
    }

    /// Counts a finished rotation; a successful one also moves the last-rotation timestamp.
    public func rotated(name: String, namespace: String, strategy: String, result: RotationResult, at time: Date) {
        series.withLock { all in
            let key = ObjectKey(namespace: namespace, name: name)
            var series = all[key] ?? SecretRotationSeries()
            series.outcomes.insert(SecretRotationSeries.Outcome(strategy: strategy, result: result.rawValue))
            if result == .success { series.hasLastRotation = true }
            all[key] = series
        }
        rotations.increment([name, namespace, strategy, result.rawValue])
        if result == .success { lastRotation.set([name, namespace], time.timeIntervalSince1970) }
    }

    /// Reports the current phase as 1 and every other known phase as 0 (kube-state-metrics' pod phase shape).
    public func setPhase(name: String, namespace: String, phase current: String) {
        let known: [String] = series.withLock { all in
            let key = ObjectKey(namespace: namespace, name: name)
            var series = all[key] ?? SecretRotationSeries()
            var known = phases
            for seen in series.phases.sorted() where !known.contains(seen) { known.append(seen) }
            if !known.contains(current) { known.append(current) }
            series.phases.formUnion(known)
            all[key] = series
            return known
        }
        for candidate in known { phase.set([name, namespace, candidate], candidate == current ? 1.0 : 0.0) }
    }

    /// Drops every series of a deleted SecretRotation.
    public func remove(name: String, namespace: String) {
        guard let gone = series.withLock({ $0.removeValue(forKey: ObjectKey(namespace: namespace, name: name)) }) else { return }
        for outcome in gone.outcomes { rotations.remove([name, namespace, outcome.strategy, outcome.result]) }
        if gone.hasLastRotation { lastRotation.remove([name, namespace]) }
        for candidate in gone.phases { phase.remove([name, namespace, candidate]) }
    }
}
