import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import KubernetesResources
import Logging
import SecretRotationController

/// Builds the operator from its parts: one store, informers feeding work queues, and the reconcilers.
///
/// Kept apart from the command line so tests can run the same wiring against the test API server.
public struct OperatorAssembly: Sendable {
    public let client: KubernetesClient
    public let store: KubernetesStore
    public let scope: NamespaceSelector
    /// When not empty, informers per namespace for just these (`--namespaces`), instead of `scope`.
    public let namespaces: [String]
    /// Keyward-labelled Secrets and ConfigMaps over this many bytes are cached as metadata only
    /// (`--max-cached-object-bytes`); nil caches them whole.
    public let maxCachedObjectBytes: Int?
    public let concurrency: Int
    /// At most one manual trigger (renew, revoke, rotate, rollback) acted on per object per this many seconds
    /// (`--manual-trigger-interval`); 0 turns the limit off.
    public let manualTriggerInterval: TimeInterval
    public let rateLimiter: RateLimiterConfiguration
    public let volumeRoot: String?
    /// When set, informers list every this many seconds instead of watching (`--poll-interval`).
    public let pollInterval: TimeInterval?
    /// How often every cached object is reconciled again without new requests (`--resync-interval`).
    public let resyncInterval: TimeInterval
    public let metrics: KeywardMetrics
    public let clock: any WallClock
    let limiter: IssuanceRateLimiter
    let events: EventRecorder
    /// Where tenant-aimed requests (`spec.verify.http`) may connect (`--egress-deny-cidr`, `--egress-allow-cidr`).
    public var egress = EgressPolicy()
    /// Service accounts a verification Job may name besides `default` (`--verify-job-service-accounts`).
    public var verifyJobServiceAccounts: Set<String> = []
    /// Where `ca` ClusterIssuers keep their Secrets (`--cluster-resource-namespace`).
    public var clusterResourceNamespace = IssuerOptions.defaultClusterResourceNamespace
    /// How often a ready CA issuer's Secret is read again (a user's Secret is not watched).
    public var issuerRecheckInterval: TimeInterval = 300

    public init(client: KubernetesClient, scope: NamespaceSelector = .allNamespaces, namespaces: [String] = [],
                maxCachedObjectBytes: Int? = OperatorAssembly.defaultMaxCachedObjectBytes, concurrency: Int = 4,
                manualTriggerInterval: TimeInterval = OperatorAssembly.defaultManualTriggerInterval,
                rateLimiter: RateLimiterConfiguration = RateLimiterConfiguration(), maxIssuanceRate: Double = 20,
                volumeRoot: String? = nil, pollInterval: TimeInterval? = nil, resyncInterval: TimeInterval = 600,
                metrics: KeywardMetrics = KeywardMetrics(), clock: any WallClock = SystemClock()) {
        self.client = client
        self.store = KubernetesStore(client: client)
        self.scope = scope
        self.namespaces = namespaces
        self.maxCachedObjectBytes = maxCachedObjectBytes
        self.concurrency = concurrency
        self.manualTriggerInterval = manualTriggerInterval
        self.rateLimiter = rateLimiter
        self.volumeRoot = volumeRoot
        self.pollInterval = pollInterval
        self.resyncInterval = resyncInterval
        self.metrics = metrics
        self.clock = clock
        self.limiter = IssuanceRateLimiter(perSecond: maxIssuanceRate, burst: max(1, Int(maxIssuanceRate)), clock: clock)
        self.events = EventRecorder(sink: KubernetesEventSink(client: client), clock: clock)
    }

    /// 256 KiB: far above any certificate Secret or rotated Secret, and a CRL of thousands of entries.
    public static let defaultMaxCachedObjectBytes = 256 * 1024
    public static let defaultManualTriggerInterval: TimeInterval = 30

    public func makeManager(elector: LeaderElector?, health: HealthState?) async -> Manager {
        var manager = Manager(elector: elector, health: health)

        let all = InformerConfiguration(scope: scope, namespaces: namespaces, resyncInterval: resyncInterval,
                                        pollInterval: pollInterval)
        let certificates = Informer<Certificate>(client: client, configuration: all, cachePolicy: .stripping(), clock: clock)
        // Only Keyward's own Secrets and ConfigMaps are cached; a user's CA Secret is read on demand. Anyone may put
        // the label on their own objects, so those over the size bound are cached as metadata only.
        let owned = InformerConfiguration(scope: scope, namespaces: namespaces,
                                          labelSelector: [KeywardLabels.owned: KeywardLabels.ownedValue],
                                          resyncInterval: resyncInterval, pollInterval: pollInterval)
        let secrets = Informer<Secret>(client: client, configuration: owned,
                                       cachePolicy: .secrets(maxObjectBytes: maxCachedObjectBytes), clock: clock)
        // The CRL ConfigMaps: a CA's steady-state resync then reads its CRL from the cache, not with a GET.
        let configMaps = Informer<ConfigMap>(client: client, configuration: owned,
                                             cachePolicy: .configMaps(maxObjectBytes: maxCachedObjectBytes), clock: clock)
        store.register(certificates)
        store.register(secrets)
        store.register(configMaps)

        let certificateQueue = WorkQueue<ObjectKey>(name: "certificates", clock: clock, rateLimiter: rateLimiter)
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

        // A CRL ConfigMap edited or deleted behind our back brings its CA back to re-publish it.
        await configMaps.addHandler { event in
            for owner in event.object.metadata.ownerReferences where owner.kind == Certificate.kind {
                await certificateQueue.add(ObjectKey(namespace: event.object.metadata.namespace, name: owner.name))
            }
        }

        var certificateOptions = CertificateReconciler.Options(volumeRoot: volumeRoot)
        certificateOptions.clusterResourceNamespace = clusterResourceNamespace
        let reconciler = CertificateReconciler(
            store: store, events: events, clock: clock, options: certificateOptions,
            limiter: limiter, observer: CertificateMetricsObserver(metrics: metrics))
        metrics.registerController("certificate")
        let metrics = self.metrics
        let caSecrets = CASecretListeners()
        await secrets.addHandler { event in
            await caSecrets.changed(namespace: event.object.metadata.namespace, name: event.object.metadata.name)
        }
        let fanOut = IssuerFanOutReconciler(inner: reconciler, certificates: certificates, queue: certificateQueue,
                                            caSecrets: caSecrets)
        let store = self.store
        let certificateGate = ManualTriggerGate(
            inner: fanOut, limiter: ManualTriggerLimiter(window: manualTriggerInterval, clock: clock), events: events,
            onDeferred: { metrics.manualTriggerDeferred(controller: "certificate") }
        ) { key in
            guard let certificate = try await store.get(Certificate.self, namespace: key.namespace, name: key.name) else {
                return nil
            }
            return Self.pendingRequest(certificate).map { ($0, Event.ObjectReference(certificate)) }
        }
        let controller = Controller(name: "certificate", queue: certificateQueue, reconciler: certificateGate,
                                    concurrency: concurrency, clock: clock) { duration, failed in
            metrics.observeReconcile(controller: "certificate", duration: duration)
            if failed { metrics.reconcileFailed(controller: "certificate") }
        }
        manager.add(certificates)
        manager.add(secrets)
        manager.add(configMaps)
        manager.add(controller)

        await addIssuerController(IssuerResource.self, to: &manager, configuration: all, caSecrets: caSecrets,
                                  certificates: certificates, certificateQueue: certificateQueue)
        // A ClusterIssuer is cluster-scoped: watched only when the operator serves every namespace (the namespaced
        // RBAC variants cannot grant it).
        if namespaces.isEmpty, scope == .allNamespaces {
            let cluster = InformerConfiguration(scope: .allNamespaces, resyncInterval: resyncInterval, pollInterval: pollInterval)
            await addIssuerController(ClusterIssuerResource.self, to: &manager, configuration: cluster, caSecrets: caSecrets,
                                      certificates: certificates, certificateQueue: certificateQueue)
        }

        // SecretRotations: their own objects, plus their Secrets (annotated with the owner) coming back to them.
        let rotations = Informer<SecretRotation>(client: client, configuration: all, cachePolicy: .stripping(), clock: clock)
        store.register(rotations)
        let rotationQueue = WorkQueue<ObjectKey>(name: "secretrotations", clock: clock, rateLimiter: rateLimiter)
        await rotations.addHandler { event in
            await rotationQueue.add(ObjectKey(namespace: event.object.metadata.namespace, name: event.object.metadata.name))
        }
        await secrets.addHandler { event in
            guard let name = event.object.metadata.annotations[KeywardAnnotations.secretRotationName] else { return }
            await rotationQueue.add(ObjectKey(namespace: event.object.metadata.namespace, name: name))
        }
        var rotationOptions = SecretRotationReconciler.Options()
        rotationOptions.verifyJobServiceAccounts = verifyJobServiceAccounts
        rotationOptions.hashKey = SecretHashKeySource(
            store: store, namespace: SecretHashKeySource.operatorNamespace(fallback: client.configuration.namespace))
        let rotationReconciler = SecretRotationReconciler(store: store, events: events, clock: clock, options: rotationOptions,
                                                          probe: HTTPVerificationProbe(egress: egress), metrics: metrics)
        metrics.registerController("secretrotation")
        let rotationGate = ManualTriggerGate(
            inner: rotationReconciler, limiter: ManualTriggerLimiter(window: manualTriggerInterval, clock: clock),
            events: events, onDeferred: { metrics.manualTriggerDeferred(controller: "secretrotation") }
        ) { key in
            guard let rotation = try await store.get(SecretRotation.self, namespace: key.namespace, name: key.name) else {
                return nil
            }
            return Self.pendingRequest(rotation).map { ($0, Event.ObjectReference(rotation)) }
        }
        let rotationController = Controller(name: "secretrotation", queue: rotationQueue, reconciler: rotationGate,
                                            concurrency: concurrency, clock: clock) { duration, failed in
            metrics.observeReconcile(controller: "secretrotation", duration: duration)
            if failed { metrics.reconcileFailed(controller: "secretrotation") }
        }
        manager.add(rotations)
        manager.add(rotationController)
        return manager
    }

    /// The Issuer or ClusterIssuer controller: its informer, a queue fed by it and by changes of Keyward-owned CA
    /// Secrets it names (a CA Certificate's Secret), and the Certificates it signs re-enqueued when it changes.
    private func addIssuerController<Resource: IssuerObject>(
        _ type: Resource.Type, to manager: inout Manager, configuration: InformerConfiguration, caSecrets: CASecretListeners,
        certificates: Informer<Certificate>, certificateQueue: WorkQueue<ObjectKey>
    ) async {
        let issuers = Informer<Resource>(client: client, configuration: configuration, cachePolicy: .stripping(), clock: clock)
        store.register(issuers)
        let name = Resource.kind.lowercased()
        let queue = WorkQueue<ObjectKey>(name: Resource.plural, clock: clock, rateLimiter: rateLimiter)
        await issuers.addHandler { event in
            let key = ObjectKey(namespace: event.object.metadata.namespace, name: event.object.metadata.name)
            await queue.add(key)
            if case .updated(let old, let new) = event, issuerSignature(old) != issuerSignature(new) {
                await enqueueCertificates(of: Resource.self, key: key, certificates: certificates, queue: certificateQueue)
            }
        }
        let clusterResourceNamespace = self.clusterResourceNamespace
        await caSecrets.add { namespace, name in
            guard Resource.isNamespaced || namespace == clusterResourceNamespace else { return }
            for issuer in await issuers.list(namespace: Resource.isNamespaced ? namespace : nil) where issuer.spec.ca?.secretName == name {
                await queue.add(ObjectKey(namespace: issuer.metadata.namespace, name: issuer.metadata.name))
            }
        }
        var options = IssuerReconciler<Resource>.Options(clusterResourceNamespace: clusterResourceNamespace)
        options.recheckInterval = issuerRecheckInterval
        let reconciler = IssuerReconciler<Resource>(store: store, events: events, clock: clock, options: options)
        let fanOut = IssuerObjectFanOutReconciler(inner: reconciler, issuers: issuers, certificates: certificates,
                                                  queue: certificateQueue)
        metrics.registerController(name)
        let metrics = self.metrics
        let controller = Controller(name: name, queue: queue, reconciler: fanOut, concurrency: 1, clock: clock) { duration, failed in
            metrics.observeReconcile(controller: name, duration: duration)
            if failed { metrics.reconcileFailed(controller: name) }
        }
        manager.add(issuers)
        manager.add(controller)
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
