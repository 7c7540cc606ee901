import ControllerRuntime
import KeywardAPI
import KeywardCore
import KubernetesClient
import KubernetesResources

/// Registers the SecretRotation controller with the operator: its informer, the shared informer of the operator's
/// own Secrets bringing a rotation back when its Secret changes, the manual trigger gate and the metrics.
public enum SecretRotationControllerSetup {
    /// What only this controller uses; the shared settings are the builder's ``ManagerOptions``.
    public struct Options: Sendable {
        /// Where tenant-aimed requests (`spec.verify.http`) may connect (`--egress-deny-cidr`, `--egress-allow-cidr`).
        public var egress = EgressPolicy()
        /// Service accounts a verification Job may name besides `default` (`--verify-job-service-accounts`).
        public var verifyJobServiceAccounts: Set<String> = []

        public init() {}
    }

    /// The controller's name (metrics' `controller` label, logs).
    public static let controllerName = "secretrotation"

    public static func register(with builder: inout ManagerBuilder, options: Options) async {
        let rotations = builder.informer(SecretRotation.self, configuration: builder.namespacedConfiguration())
        let secrets = builder.ownedObjects(Secret.self, cachePolicy: .secrets(maxObjectBytes: builder.options.maxCachedObjectBytes))
        let queue = builder.workQueue(name: "secretrotations")
        await rotations.addHandler { event in
            await queue.add(ObjectKey(namespace: event.object.metadata.namespace, name: event.object.metadata.name))
        }
        // A rotation's Secrets (annotated with their owner) bring it back when they change.
        await secrets.addHandler { event in
            guard let name = event.object.metadata.annotations[KeywardAnnotations.secretRotationName] else { return }
            await queue.add(ObjectKey(namespace: event.object.metadata.namespace, name: name))
        }
        let store = builder.store
        var reconcilerOptions = SecretRotationReconciler.Options()
        reconcilerOptions.verifyJobServiceAccounts = options.verifyJobServiceAccounts
        reconcilerOptions.hashKey = SecretHashKeySource(
            store: store, namespace: SecretHashKeySource.operatorNamespace(fallback: builder.client.configuration.namespace))
        let reconciler = SecretRotationReconciler(
            store: store, events: builder.events, clock: builder.clock, options: reconcilerOptions,
            probe: HTTPVerificationProbe(egress: options.egress), metrics: builder.metrics)
        let gate = builder.manualTriggerGate(reconciler, controller: controllerName) { key in
            guard let rotation = try await store.get(SecretRotation.self, namespace: key.namespace, name: key.name) else {
                return nil
            }
            return pendingRequest(rotation).map { ($0, Event.ObjectReference(rotation)) }
        }
        builder.addController(name: controllerName, queue: queue, reconciler: gate)
    }

    /// A SecretRotation's unhandled manual request: a rotate or rollback value not yet recorded as handled.
    static func pendingRequest(_ rotation: SecretRotation) -> String? {
        let annotations = rotation.metadata.annotations
        if let rotate = annotations[KeywardAnnotations.rotate], rotate != rotation.status?.lastRotateRequest {
            return "rotate=\(rotate)"
        }
        if let rollback = annotations[KeywardAnnotations.rollback], rollback != rotation.status?.lastRollbackRequest {
            return "rollback=\(rollback)"
        }
        return nil
    }
}
