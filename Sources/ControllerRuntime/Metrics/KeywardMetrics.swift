import Foundation
import KubernetesClient
import Prometheus
import Synchronization

/// The operator's Prometheus registry and the series every controller shares (reconciles, work queues, API
/// requests, leader election), behind typed helpers.
///
/// A controller's own series (a Certificate's expiry, a SecretRotation's phase) are a ``MetricFamily`` in the
/// controller's module, made once per registry by ``family(_:make:)``: their names and label sets live in that one
/// type, so a dashboard query and the code that feeds it cannot drift apart, and per-object series can be removed
/// again when their object goes away.
public final class KeywardMetrics: Sendable {
    /// The registry `/metrics` renders. Other components may register their own series on it.
    public let registry: PrometheusCollectorRegistry

    struct State {
        var families: [ObjectIdentifier: any MetricFamily] = [:]
        var objectSeries: [String: ObjectSeries] = [:]
        var sources: [any ObjectFamilySource] = []
        var reconcileDurations: [String: ValueHistogram] = [:]
        var reconcileErrors: [String: Counter] = [:]
        var deferredTriggers: [String: Counter] = [:]
        var queueDepths: [String: Gauge] = [:]
        var queueRetries: [String: Counter] = [:]
        var apiRequests: [APIRequestKey: Counter] = [:]
        var apiDurations: [APIDurationKey: ValueHistogram] = [:]
    }

    struct APIRequestKey: Hashable {
        var verb: String
        var resource: String
        var code: String
    }

    struct APIDurationKey: Hashable {
        var verb: String
        var resource: String
    }

    let state = Mutex(State())
    private let leader: Gauge

    /// Reconcile latencies: 5 ms to 60 s, dense below a second where healthy reconciles land.
    public static let reconcileBuckets: [Double] = [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 15, 30, 60,
    ]
    /// API request latencies, as client-go buckets them.
    public static let apiRequestBuckets: [Double] = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        leader = registry.makeGauge(descriptor: Self.descriptor(
            "keyward_leader_election_is_leader", "1 while this replica holds the leader election Lease, else 0."))
        leader.set(0.0)
    }

    /// The Prometheus text exposition of every registered series: the registry's, then the per-object families.
    public func exposition() -> [UInt8] {
        var buffer = registry.emitToBuffer()
        let (series, sources) = state.withLock { (Array($0.objectSeries.values), $0.sources) }
        let families = series.map { $0.snapshot() } + sources.flatMap { $0.snapshot() }
        for family in families.sorted(by: { $0.name < $1.name }) { family.render(into: &buffer) }
        return buffer
    }

    /// The per-object family `name` (see ``ObjectSeries``): made on first use, the same instance afterwards.
    public func objectSeries(_ name: String, _ help: String, kind: ObjectSeries.Kind, labels: [String]) -> ObjectSeries {
        state.withLock { state in
            if let existing = state.objectSeries[name] { return existing }
            let made = ObjectSeries(name: name, help: help, kind: kind, labelNames: labels)
            state.objectSeries[name] = made
            return made
        }
    }

    /// A series name and its help text, as every family here describes its series.
    public static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    // MARK: Controllers' families

    /// The one `F` on this registry: made by `make` on first use (its series registered then), the same instance
    /// afterwards, so a controller's observer and its reconciler feed the same series.
    public func family<F: MetricFamily>(_ type: F.Type, make: (KeywardMetrics) -> F = { F(metrics: $0) }) -> F {
        if let existing = state.withLock({ $0.families[ObjectIdentifier(F.self)] as? F }) { return existing }
        // Made outside the lock: a family may ask for its object series (which takes the lock) as it is made.
        let made = make(self)
        return state.withLock { state in
            if let existing = state.families[ObjectIdentifier(F.self)] as? F { return existing }
            state.families[ObjectIdentifier(F.self)] = made
            if let source = made as? any ObjectFamilySource { state.sources.append(source) }
            return made
        }
    }

    // MARK: Leader election

    public func setLeader(_ isLeader: Bool) { leader.set(isLeader ? 1.0 : 0.0) }

    // MARK: Controllers

    /// Creates a controller's series at zero, so rate() and absent() work before its first reconcile.
    public func registerController(_ controller: String) {
        state.withLock { state in
            _ = reconcileHistogram(controller, in: &state)
            _ = reconcileErrorCounter(controller, in: &state)
        }
    }

    public func observeReconcile(controller: String, duration: TimeInterval) {
        let histogram = state.withLock { reconcileHistogram(controller, in: &$0) }
        histogram.record(max(0, duration))
    }

    public func reconcileFailed(controller: String) {
        state.withLock { reconcileErrorCounter(controller, in: &$0) }.increment()
    }

    /// A manual trigger held back by the per-object limit (`--manual-trigger-interval`).
    public func manualTriggerDeferred(controller: String) {
        state.withLock { state in
            if let existing = state.deferredTriggers[controller] { return existing }
            let made = registry.makeCounter(descriptor: Self.descriptor(
                "keyward_manual_triggers_deferred_total",
                "Reconciles that held back a manual renew/revoke/rotate/rollback request: at most one per object per --manual-trigger-interval is acted on."),
                labels: [("controller", controller)])
            state.deferredTriggers[controller] = made
            return made
        }.increment()
    }

    private func reconcileHistogram(_ controller: String, in state: inout State) -> ValueHistogram {
        if let existing = state.reconcileDurations[controller] { return existing }
        let made = registry.makeValueHistogram(
            descriptor: Self.descriptor("keyward_reconcile_duration_seconds", "Time spent in one reconcile."),
            labels: [("controller", controller)], buckets: Self.reconcileBuckets)
        state.reconcileDurations[controller] = made
        return made
    }

    private func reconcileErrorCounter(_ controller: String, in state: inout State) -> Counter {
        if let existing = state.reconcileErrors[controller] { return existing }
        let made = registry.makeCounter(
            descriptor: Self.descriptor("keyward_reconcile_errors_total", "Reconciles that returned an error."),
            labels: [("controller", controller)])
        state.reconcileErrors[controller] = made
        return made
    }

    // MARK: Work queues

    public func setWorkqueueDepth(name: String, depth: Int) {
        let gauge = state.withLock { state in
            if let existing = state.queueDepths[name] { return existing }
            let made = registry.makeGauge(
                descriptor: Self.descriptor("keyward_workqueue_depth", "Keys waiting in a work queue."),
                labels: [("name", name)])
            state.queueDepths[name] = made
            return made
        }
        gauge.set(Double(depth))
    }

    public func workqueueRetried(name: String, count: Int = 1) {
        let counter = state.withLock { state in
            if let existing = state.queueRetries[name] { return existing }
            let made = registry.makeCounter(
                descriptor: Self.descriptor("keyward_workqueue_retries_total", "Rate-limited re-adds to a work queue."),
                labels: [("name", name)])
            state.queueRetries[name] = made
            return made
        }
        if count > 0 { counter.increment(by: Int64(count)) }
    }

    // MARK: API requests

    /// Feed for ``KubernetesClient``'s `observer` hook: `KubernetesClient(..., observer: metrics.observeAPIRequest)`.
    public func observeAPIRequest(_ record: RequestRecord) {
        // A transport failure has no status; client-go labels it the same way.
        let code = record.code == 0 ? "<error>" : String(record.code)
        let (counter, histogram) = state.withLock { state in
            let requestKey = APIRequestKey(verb: record.verb, resource: record.resource, code: code)
            let counter: Counter
            if let existing = state.apiRequests[requestKey] {
                counter = existing
            } else {
                counter = registry.makeCounter(
                    descriptor: Self.descriptor("keyward_api_requests_total",
                                                "Kubernetes API requests by verb, resource and HTTP status."),
                    labels: [("verb", record.verb), ("resource", record.resource), ("code", code)])
                state.apiRequests[requestKey] = counter
            }
            let durationKey = APIDurationKey(verb: record.verb, resource: record.resource)
            let histogram: ValueHistogram
            if let existing = state.apiDurations[durationKey] {
                histogram = existing
            } else {
                histogram = registry.makeValueHistogram(
                    descriptor: Self.descriptor("keyward_api_request_duration_seconds",
                                                "Kubernetes API request latency (to the response headers for watches)."),
                    labels: [("verb", record.verb), ("resource", record.resource)], buckets: Self.apiRequestBuckets)
                state.apiDurations[durationKey] = histogram
            }
            return (counter, histogram)
        }
        counter.increment()
        histogram.record(max(0, record.duration))
    }
}
