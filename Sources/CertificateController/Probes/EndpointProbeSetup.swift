import ControllerRuntime
import KeywardAPI
import KeywardCore
import KubernetesClient
import TLSProbe

/// Registers the endpoint probe controller: its own queue over the Certificate informer, so a slow endpoint never
/// delays issuance. Certificates with `spec.endpoints` (or endpoint status left to clear) are enqueued on every
/// change, which includes the status write of a renewal: that is what makes the prompt probe after it.
public enum EndpointProbeSetup {
    public static let controllerName = "certificate-endpoints"

    public struct Options: Sendable {
        /// Where probes may connect (`--egress-deny-cidr` / `--egress-allow-cidr`); endpoints are tenant-chosen.
        public var egress = EgressPolicy()
        public var reconciler = EndpointProbeReconciler.Options()
        /// Extra observers (notifications); the endpoint metrics are always registered.
        public var observers: [any EndpointProbeObserver] = []
        public init() {}
    }

    public static func register(with builder: inout ManagerBuilder, certificates: Informer<Certificate>, options: Options) async {
        let queue = builder.workQueue(name: "certificate-endpoints")
        // Including this process's own writes: the renewal's status write is the certificate controller's, and the
        // informer does not hand a controller's own writes to plain handlers. (A probe's own status write comes back
        // too; nothing is due then, so it ends without a write.)
        await certificates.addHandlerIncludingOwnWrites { event in
            let certificate = event.object
            guard !certificate.spec.endpoints.isEmpty || !(certificate.status?.endpoints.isEmpty ?? true)
                || certificate.status?.conditions[type: Certificate.ConditionType.served] != nil
            else { return }
            await queue.add(ObjectKey(namespace: certificate.metadata.namespace, name: certificate.metadata.name))
        }
        let metrics = builder.metrics.family(EndpointMetrics.self)
        let reconciler = EndpointProbeReconciler(store: builder.store, events: builder.events,
                                                 prober: TLSProber(egress: options.egress), clock: builder.clock,
                                                 options: options.reconciler, observers: [metrics] + options.observers)
        builder.addController(name: controllerName, queue: queue, reconciler: reconciler)
    }
}
