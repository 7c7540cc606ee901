import ControllerRuntime
import Logging

/// Standalone mode's hook for notifications: runs the object's reconciler, then its alert reconciler over the
/// status just written, returning the first's result. A notification problem is logged, never a failed reconcile.
struct AlertingReconciler<Alerts: Reconciler>: Reconciler {
    let inner: any Reconciler
    let alerts: Alerts
    let logger: Logger

    func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        let result = try await inner.reconcile(key)
        do { _ = try await alerts.reconcile(key) } catch {
            logger.warning("notifications not evaluated", metadata: ["object": "\(key)", "error": "\(error)"])
        }
        return result
    }
}
