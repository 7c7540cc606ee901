import KeywardAPI
import KubernetesClient
import Notifications
import RotationStrategies

/// Which alert classes a SecretRotation's status says are active: its last attempt failed (phase Failed), or its
/// last rotation was rolled back. Both end when a later rotation succeeds.
public enum SecretRotationAlerts {
    public static let classes: Set<AlertClass> = [.rotationFailed, .rolledBack]

    public static func active(_ rotation: SecretRotation) -> [AlertClass: String] {
        guard let status = rotation.status else { return [:] }
        var active: [AlertClass: String] = [:]
        let ready = status.conditions[type: SecretRotation.ConditionType.ready]
        if status.phase == .failed {
            active[.rotationFailed] = status.lastError ?? ready?.message ?? "rotation failed"
        }
        if ready?.reason == SecretRotation.Reason.rolledBack || status.history.last?.result == .rolledBack {
            active[.rolledBack] = ready?.message ?? "rolled back"
        }
        return active
    }
}
