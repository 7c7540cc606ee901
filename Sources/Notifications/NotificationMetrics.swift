/// Where delivery counts go (Prometheus in the operator: `keyward_notifications_sent_total`, `_failed_total`,
/// `_dead_letters`); a protocol so this module does not depend on the metrics machinery.
public protocol NotificationMetrics: Sendable {
    /// A notification delivered (2xx) to a target of this kind.
    func notificationSent(_ kind: NotificationTarget.Kind)
    /// One delivery attempt that failed (transport error or non-2xx).
    func notificationFailed(_ kind: NotificationTarget.Kind)
    /// The dead letters kept right now.
    func setDeadLetters(_ count: Int)
}
