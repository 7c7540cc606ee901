import Foundation
import KeywardCore
import KubernetesClient
import ServiceLifecycle

/// What a controller registers with (controller-runtime's `SetupWithManager` shape): each controller module has one
/// entry point that makes its informers, handlers, queues and reconcilers here, and the builder adds them to the
/// ``Manager``, the store, the metrics and the HTTP routes. The operator's assembly is then a list of those entry
/// points over shared ``ManagerOptions``.
public struct ManagerBuilder {
    public let client: KubernetesClient
    /// Reads go to the informers registered here; writes go to the API.
    public let store: KubernetesStore
    public let options: ManagerOptions
    public let metrics: KeywardMetrics
    public let events: EventRecorder
    /// The informers and controllers registered so far.
    public private(set) var manager: Manager
    /// The routes controllers added to the operator's HTTP endpoint (``OperatorHTTPServer``'s `routes`).
    public private(set) var routes: [OperatorHTTPRoute] = []
    /// Services a controller runs on every replica beside the manager (a listener of its own), named for the error
    /// line that ends the process when one fails.
    public private(set) var services: [(name: String, service: any Service)] = []
    private var owned: [ObjectIdentifier: any Sendable] = [:]

    public init(client: KubernetesClient, store: KubernetesStore, options: ManagerOptions, metrics: KeywardMetrics,
                events: EventRecorder, manager: Manager) {
        self.client = client
        self.store = store
        self.options = options
        self.metrics = metrics
        self.events = events
        self.manager = manager
    }

    public var clock: any WallClock { options.clock }

    /// Lists and watches of namespaced objects over the watched namespaces.
    public func namespacedConfiguration(labelSelector: [String: String] = [:]) -> InformerConfiguration {
        InformerConfiguration(scope: options.scope, namespaces: options.namespaces, labelSelector: labelSelector,
                              resyncInterval: options.resyncInterval, pollInterval: options.pollInterval)
    }

    /// Lists and watches of cluster-scoped objects (whatever namespaces are watched).
    public func clusterConfiguration() -> InformerConfiguration {
        InformerConfiguration(scope: .allNamespaces, resyncInterval: options.resyncInterval, pollInterval: options.pollInterval)
    }

    /// A new informer, registered with the store (reads of `T` use its cache) and run by the manager.
    public mutating func informer<T: KubernetesResource>(_ type: T.Type, configuration: InformerConfiguration,
                                                         cachePolicy: CachePolicy<T> = .stripping()) -> Informer<T> {
        let informer = Informer<T>(client: client, configuration: configuration, cachePolicy: cachePolicy, clock: clock)
        store.register(informer)
        manager.add(informer)
        return informer
    }

    /// The one informer over the operator's own objects of `T` (labelled ``ManagerOptions/ownedLabelSelector``, in
    /// the watched namespaces): made on first use, then shared, so every controller adds its handlers to one cache.
    /// The first caller's `cachePolicy` is the one used.
    public mutating func ownedObjects<T: KubernetesResource>(_ type: T.Type, cachePolicy: CachePolicy<T>) -> Informer<T> {
        if let existing = owned[ObjectIdentifier(T.self)] as? Informer<T> { return existing }
        let made = informer(T.self, configuration: namespacedConfiguration(labelSelector: options.ownedLabelSelector),
                            cachePolicy: cachePolicy)
        owned[ObjectIdentifier(T.self)] = made
        return made
    }

    /// A work queue with the shared rate limits.
    public func workQueue(name: String) -> WorkQueue<ObjectKey> {
        WorkQueue<ObjectKey>(name: name, clock: clock, rateLimiter: options.rateLimiter)
    }

    /// `inner` behind the per-object manual trigger limit (``ManagerOptions/manualTriggerInterval``), counting
    /// deferrals under `controller`.
    public func manualTriggerGate<Inner: Reconciler>(
        _ inner: Inner, controller: String, pending: @escaping ManualTriggerGate<Inner>.PendingRequest
    ) -> ManualTriggerGate<Inner> {
        let metrics = self.metrics
        return ManualTriggerGate(
            inner: inner, limiter: ManualTriggerLimiter(window: options.manualTriggerInterval, clock: clock), events: events,
            onDeferred: { metrics.manualTriggerDeferred(controller: controller) }, pending: pending)
    }

    /// Runs `reconciler` over `queue` while this replica leads, with its reconcile metrics under `name`.
    /// - Parameter concurrency: workers; nil uses ``ManagerOptions/concurrency``.
    public mutating func addController<R: Reconciler>(name: String, queue: WorkQueue<ObjectKey>, reconciler: R,
                                                      concurrency: Int? = nil) {
        metrics.registerController(name)
        let metrics = self.metrics
        manager.add(Controller(name: name, queue: queue, reconciler: reconciler,
                               concurrency: concurrency ?? options.concurrency, clock: clock) { duration, failed in
            metrics.observeReconcile(controller: name, duration: duration)
            if failed { metrics.reconcileFailed(controller: name) }
        })
    }

    /// Serves `route` on the operator's HTTP endpoint (`--metrics-address`).
    public mutating func addRoute(_ route: OperatorHTTPRoute) { routes.append(route) }

    /// Runs `service` on every replica, leader or not, in the process's `ServiceGroup` next to the manager and the
    /// HTTP endpoint (a listener on an address of its own); its failure ends the process naming `name`.
    public mutating func addService(_ service: any Service, name: String) { services.append((name, service)) }
}
