import ControllerRuntime
import KubernetesClient
import Notifications

/// Feeds one kind's alert levels to the notifier: reads the object (from the cache), evaluates its status, and lets
/// the notifier decide and deliver. A deleted object resolves whatever was active for it. It runs as its own
/// controller with its own queue, so a slow receiver delays notifications, never a reconcile of the object.
public struct AlertReconciler<Resource: KubernetesResource>: Reconciler {
    let store: any ResourceStore
    let notifier: Notifier
    let classes: Set<AlertClass>
    let evaluate: @Sendable (Resource) -> [AlertClass: String]

    public init(store: any ResourceStore, notifier: Notifier, classes: Set<AlertClass>,
                evaluate: @escaping @Sendable (Resource) -> [AlertClass: String]) {
        self.store = store
        self.notifier = notifier
        self.classes = classes
        self.evaluate = evaluate
    }

    public func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        let object = NotificationObject(kind: Resource.kind, namespace: key.namespace, name: key.name)
        let active = try await store.get(Resource.self, namespace: key.namespace, name: key.name).map(evaluate) ?? [:]
        try await notifier.observe(object, active: active, classes: classes)
        return .done
    }
}
