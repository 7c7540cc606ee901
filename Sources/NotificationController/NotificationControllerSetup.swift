import ControllerRuntime
import Foundation
import KeywardAPI
import KubernetesClient
import Notifications

/// Registers the notification controllers: every status change of a Certificate or SecretRotation (seen through the
/// informers their own controllers registered) enqueues the object on a queue of its own, and an
/// ``AlertReconciler`` reads it from the cache and feeds the notifier. Register after those controllers.
public enum NotificationControllerSetup {
    public struct Options: Sendable {
        public var notifier: Notifier.Configuration
        /// Where the state ConfigMap lives: the controller's own namespace.
        public var stateNamespace: String
        public var stateConfigMap = ConfigMapNotificationStateStore.defaultName

        public init(notifier: Notifier.Configuration, stateNamespace: String) {
            self.notifier = notifier
            self.stateNamespace = stateNamespace
        }
    }

    public static let certificateControllerName = "certificate-notifications"
    public static let secretRotationControllerName = "secretrotation-notifications"

    public static func register(with builder: inout ManagerBuilder, options: Options,
                                transport: any NotificationTransport = CurlNotificationTransport()) async {
        let store = ConfigMapNotificationStateStore(client: builder.client, namespace: options.stateNamespace,
                                                    name: options.stateConfigMap)
        let notifier = Notifier(configuration: options.notifier, store: store, transport: transport, clock: builder.clock,
                                metrics: builder.metrics.family(NotificationPrometheusMetrics.self))
        await add(Certificate.self, name: certificateControllerName, to: &builder, reconciler: AlertReconciler<Certificate>(
            store: builder.store, notifier: notifier, classes: CertificateAlerts.classes, evaluate: CertificateAlerts.active))
        await add(SecretRotation.self, name: secretRotationControllerName, to: &builder, reconciler: AlertReconciler<SecretRotation>(
            store: builder.store, notifier: notifier, classes: SecretRotationAlerts.classes, evaluate: SecretRotationAlerts.active))
    }

    private static func add<T: KubernetesResource>(_ type: T.Type, name: String, to builder: inout ManagerBuilder,
                                                   reconciler: AlertReconciler<T>) async {
        guard let informer = builder.store.informer(for: T.self) else { return }
        let queue = builder.workQueue(name: name)
        // Including this process's own status writes: those are most of the transitions (their watch echo is silent).
        await informer.addHandlerIncludingOwnWrites { event in
            await queue.add(ObjectKey(namespace: event.object.metadata.namespace, name: event.object.metadata.name))
        }
        // Two workers: one slow receiver does not hold every other object's notifications.
        builder.addController(name: name, queue: queue, reconciler: reconciler, concurrency: 2)
    }
}
