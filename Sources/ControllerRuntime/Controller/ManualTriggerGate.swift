import Foundation
import KubernetesResources

/// Applies a ``ManualTriggerLimiter`` in front of a reconciler: an object whose pending manual request is held back
/// is requeued for the end of its window (with one Warning Event per window saying so) instead of reconciled.
public struct ManualTriggerGate<Inner: Reconciler>: Reconciler {
    /// The object's unhandled manual request, as a string identifying it (e.g. `renew=<value>`), and the object
    /// for the Event; nil when there is none.
    public typealias PendingRequest = @Sendable (ObjectKey) async throws -> (request: String, regarding: Event.ObjectReference)?

    public static var reason: String { "ManualTriggerDeferred" }

    let inner: Inner
    let limiter: ManualTriggerLimiter
    let events: EventRecorder
    let pending: PendingRequest
    let onDeferred: @Sendable () -> Void

    /// `onDeferred` is called for every reconcile that held a request back (a metric).
    public init(inner: Inner, limiter: ManualTriggerLimiter, events: EventRecorder,
                onDeferred: @escaping @Sendable () -> Void = {}, pending: @escaping PendingRequest) {
        self.inner = inner
        self.limiter = limiter
        self.events = events
        self.onDeferred = onDeferred
        self.pending = pending
    }

    public func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        let request = try await pending(key)
        switch await limiter.decide(key, pending: request?.request) {
        case .act:
            return try await inner.reconcile(key)
        case .wait(let seconds, let announce):
            onDeferred()
            if announce, let request {
                let shown = request.request.count > 80 ? String(request.request.prefix(80)) + "…" : request.request
                await events.record(
                    .warning, reason: Self.reason,
                    message: "manual request \(shown) deferred \(Int(seconds.rounded(.up))) s: at most one manual trigger per object every \(Int(limiter.window)) s; requests made meanwhile are coalesced into the latest",
                    regarding: request.regarding)
            }
            return ReconcileResult(requeueAfter: seconds)
        }
    }
}
