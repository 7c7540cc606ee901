import ControllerRuntime
import Foundation
import KeywardAPI
import KubernetesClient
import KubernetesResources

/// Registers the Certificate controller and the Issuer and ClusterIssuer controllers with the operator: their
/// informers (Certificates, the operator's own Secrets and CRL ConfigMaps, Issuers, ClusterIssuers), the watches that
/// bring a Certificate back (its Secret, its CRL, its CA, its issuer), the fan-out reconcilers, the metrics and the
/// `/crl/{namespace}/{name}.crl` route.
public enum CertificateControllerSetup {
    /// What only these controllers use; the shared settings are the builder's ``ManagerOptions``.
    public struct Options: Sendable {
        /// Where certificate files are written for pods sharing a volume (`--volume-root`); nil writes none.
        public var volumeRoot: String?
        /// Issuances per second over all Certificates (`--max-issuance-rate`).
        public var maxIssuanceRate: Double = 20
        /// Where `ca` ClusterIssuers keep their Secrets (`--cluster-resource-namespace`).
        public var clusterResourceNamespace = IssuerOptions.defaultClusterResourceNamespace
        /// How often a ready CA issuer's Secret is read again (a user's Secret is not watched).
        public var issuerRecheckInterval: TimeInterval = 300
        /// `acme` issuers: the egress policy for their servers, the challenge solvers, shared clients.
        public var acme = ACMEOptions()
        /// `--renewal-sla-warning`; see ``RenewalSLA``.
        public var renewalSLA = RenewalSLA()
        /// Where every replica serves ACME HTTP-01 challenges (`--acme-http01-address`); nil serves none.
        public var acmeHTTP01Address: MetricsAddress?

        /// `spec.endpoints` probes: the egress policy (tenant-chosen addresses), schedule and observers.
        public var endpoints = EndpointProbeSetup.Options()

        public init(volumeRoot: String? = nil) { self.volumeRoot = volumeRoot }
    }

    /// The controller names (metrics' `controller` label, logs).
    public static let certificateControllerName = "certificate"

    public static func register(with builder: inout ManagerBuilder, options: Options) async {
        let clock = builder.clock
        let certificates = builder.informer(Certificate.self, configuration: builder.namespacedConfiguration(),
                                            cachePolicy: .certificates())
        // Only Keyward's own Secrets and ConfigMaps are cached; a user's CA Secret is read on demand. Anyone may put
        // the label on their own objects, so those over the size bound are cached as metadata only.
        let secrets = builder.ownedObjects(Secret.self, cachePolicy: .secrets(maxObjectBytes: builder.options.maxCachedObjectBytes))
        // The CRL ConfigMaps: a CA's steady-state resync then reads its CRL from the cache, not with a GET.
        let configMaps = builder.ownedObjects(ConfigMap.self,
                                              cachePolicy: .configMaps(maxObjectBytes: builder.options.maxCachedObjectBytes))

        let certificateQueue = builder.workQueue(name: "certificates")
        await certificates.addHandler { event in
            let certificate = event.object
            let key = ObjectKey(namespace: certificate.metadata.namespace, name: certificate.metadata.name)
            await certificateQueue.add(key)
            // A CA changed elsewhere (another replica, a restore) may need its leaves reissued.
            if certificate.spec.isCA, case .updated(let old, let new) = event, old.status?.revision != new.status?.revision {
                await enqueueLeaves(of: key, certificates: certificates, queue: certificateQueue)
            }
        }
        // A Secret changed or deleted behind our back brings its Certificate back to check it.
        await secrets.addHandler { event in
            guard let name = event.object.metadata.annotations[KeywardAnnotations.certificateName] else { return }
            await certificateQueue.add(ObjectKey(namespace: event.object.metadata.namespace, name: name))
        }
        // A CRL ConfigMap edited or deleted behind our back brings its CA back to re-publish it: by its owner, or by
        // its name (`<ca>-crl`) when it is one a tenant made first, which keeps its own owners.
        await configMaps.addHandler { event in
            let meta = event.object.metadata
            var cas = Set(meta.ownerReferences.filter { $0.kind == Certificate.kind }.map(\.name))
            if meta.name.hasSuffix("-crl") { cas.insert(String(meta.name.dropLast(4))) }
            for name in cas.sorted() { await certificateQueue.add(ObjectKey(namespace: meta.namespace, name: name)) }
        }

        var certificateOptions = CertificateReconciler.Options(volumeRoot: options.volumeRoot)
        certificateOptions.clusterResourceNamespace = options.clusterResourceNamespace
        certificateOptions.acme = options.acme
        certificateOptions.acme.metrics = builder.metrics.family(ACMEMetrics.self)
        certificateOptions.renewalSLA = options.renewalSLA
        let limiter = IssuanceRateLimiter(perSecond: options.maxIssuanceRate, burst: max(1, Int(options.maxIssuanceRate)),
                                          clock: clock)
        let reconciler = CertificateReconciler(
            store: builder.store, events: builder.events, clock: clock, options: certificateOptions,
            limiter: limiter, observer: CertificateMetricsObserver(metrics: builder.metrics.family(CertificateMetrics.self),
                                                          renewalSLA: builder.metrics.family(RenewalSLAMetrics.self)))
        let caSecrets = CASecretListeners()
        await secrets.addHandler { event in
            await caSecrets.changed(namespace: event.object.metadata.namespace, name: event.object.metadata.name)
        }
        let fanOut = IssuerFanOutReconciler(inner: reconciler, certificates: certificates, queue: certificateQueue,
                                            caSecrets: caSecrets)
        let store = builder.store
        let gate = builder.manualTriggerGate(fanOut, controller: certificateControllerName) { key in
            guard let certificate = try await store.get(Certificate.self, namespace: key.namespace, name: key.name) else {
                return nil
            }
            return pendingRequest(certificate).map { ($0, Event.ObjectReference(certificate)) }
        }
        builder.addController(name: certificateControllerName, queue: certificateQueue, reconciler: gate)
        builder.addRoute(CertificateCRLProvider(store: builder.store).route)
        await EndpointProbeSetup.register(with: &builder, certificates: certificates, options: options.endpoints)
        if let address = options.acmeHTTP01Address {
            await ACMEHTTP01Setup.register(with: &builder, certificates: certificates, address: address)
        }

        let issuers = IssuerWiring(caSecrets: caSecrets, certificates: certificates, certificateQueue: certificateQueue,
                                   options: options)
        await issuers.register(IssuerResource.self, with: &builder, configuration: builder.namespacedConfiguration())
        // A ClusterIssuer is cluster-scoped: one cluster-wide informer whatever namespaces are watched (the namespaced
        // RBAC variants grant clusterissuers through a ClusterRole of their own).
        await issuers.register(ClusterIssuerResource.self, with: &builder, configuration: builder.clusterConfiguration())
    }

    /// A Certificate's unhandled manual request: a revoke (pending until the annotation is cleared, so a revoke that
    /// takes several reconciles is one request) or a renew value not yet recorded as handled.
    static func pendingRequest(_ certificate: Certificate) -> String? {
        let annotations = certificate.metadata.annotations
        if let revoke = annotations[KeywardAnnotations.revoke] { return "revoke=\(revoke)" }
        if let renew = annotations[KeywardAnnotations.renew], renew != certificate.status?.lastRenewRequest {
            return "renew=\(renew)"
        }
        return nil
    }
}
