import ControllerRuntime
import Notifications
import Prometheus

/// The notifier's series: `keyward_notifications_sent_total{target}`, `keyward_notifications_failed_total{target}`
/// (failed attempts) and `keyward_notifications_dead_letters` (kept right now), `target` being `webhook` or
/// `alertmanager` (never a URL). One per registry: `metrics.family(NotificationPrometheusMetrics.self)`.
public final class NotificationPrometheusMetrics: MetricFamily, NotificationMetrics {
    private let sent: [NotificationTarget.Kind: Counter]
    private let failed: [NotificationTarget.Kind: Counter]
    private let deadLetters: Gauge

    public convenience init(metrics: KeywardMetrics) { self.init(registry: metrics.registry) }

    public init(registry: PrometheusCollectorRegistry) {
        var sent: [NotificationTarget.Kind: Counter] = [:]
        var failed: [NotificationTarget.Kind: Counter] = [:]
        for kind in NotificationTarget.Kind.allCases {
            sent[kind] = registry.makeCounter(descriptor: KeywardMetrics.descriptor(
                "keyward_notifications_sent_total", "Notifications delivered (2xx), by target kind."), labels: [("target", kind.rawValue)])
            failed[kind] = registry.makeCounter(descriptor: KeywardMetrics.descriptor(
                "keyward_notifications_failed_total", "Notification delivery attempts that failed, by target kind."),
                labels: [("target", kind.rawValue)])
        }
        self.sent = sent
        self.failed = failed
        deadLetters = registry.makeGauge(descriptor: KeywardMetrics.descriptor(
            "keyward_notifications_dead_letters", "Notifications that exhausted their attempts, kept for `keyward notify replay`."))
    }

    public func notificationSent(_ kind: NotificationTarget.Kind) { sent[kind]?.increment() }
    public func notificationFailed(_ kind: NotificationTarget.Kind) { failed[kind]?.increment() }
    public func setDeadLetters(_ count: Int) { deadLetters.set(Double(count)) }
}
