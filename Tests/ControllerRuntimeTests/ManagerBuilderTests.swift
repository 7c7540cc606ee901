import ControllerRuntime
import Foundation
import KeywardCore
import KeywardTestSupport
import KubernetesClient
import KubernetesResources
import ServiceLifecycle
import Testing

/// What a controller's registration gets from the builder: informers over the watched namespaces (one shared cache of
/// the operator's own objects), cluster-scoped informers whatever is watched, and its controllers, routes and services
/// collected for the process.
@Suite("ManagerBuilder")
struct ManagerBuilderTests {
    struct NoopReconciler: Reconciler {
        func reconcile(_ key: ObjectKey) async throws -> ReconcileResult { ReconcileResult() }
    }

    struct IdleService: Service {
        func run() async throws {}
    }

    private func builder(namespaces: [String] = ["a", "b"]) -> ManagerBuilder {
        // Never started: the client makes no request here.
        let client = KubernetesClient(configuration: ClientConfiguration(server: URL(string: "https://127.0.0.1:1")!))
        var options = ManagerOptions()
        options.namespaces = namespaces
        options.ownedLabelSelector = ["example.dev/owned": "true"]
        options.resyncInterval = 42
        options.pollInterval = 7
        options.clock = ManualClock()
        return ManagerBuilder(client: client, store: KubernetesStore(client: client), options: options,
                              metrics: KeywardMetrics(), events: EventRecorder(sink: LogEventSink()), manager: Manager())
    }

    @Test func ownedObjectsAreOneSharedInformerOverTheWatchedNamespaces() {
        var builder = builder()
        let first = builder.ownedObjects(Secret.self, cachePolicy: .secrets(maxObjectBytes: 1024))
        let second = builder.ownedObjects(Secret.self, cachePolicy: .secrets(maxObjectBytes: nil))
        #expect(first === second, "two controllers' handlers must share one Secret cache")
        #expect(first.configuration.labelSelector == ["example.dev/owned": "true"])
        #expect(first.configuration.namespaces == ["a", "b"])
        #expect(first.configuration.resyncInterval == 42 && first.configuration.pollInterval == 7)
        let maps = builder.ownedObjects(ConfigMap.self, cachePolicy: .configMaps(maxObjectBytes: 1024))
        #expect(maps.configuration.labelSelector == ["example.dev/owned": "true"])
    }

    @Test func clusterScopedInformersIgnoreTheWatchedNamespaces() {
        let builder = builder()
        let cluster = builder.clusterConfiguration()
        #expect(cluster.namespaces.isEmpty)
        #expect(cluster.scope == .allNamespaces)
        #expect(cluster.resyncInterval == 42 && cluster.pollInterval == 7)
        let namespaced = builder.namespacedConfiguration()
        #expect(namespaced.namespaces == ["a", "b"] && namespaced.labelSelector.isEmpty)
    }

    @Test func controllersRoutesAndServicesAreCollected() throws {
        var builder = builder()
        builder.addController(name: "demo", queue: builder.workQueue(name: "demos"), reconciler: NoopReconciler())
        builder.addRoute(OperatorHTTPRoute(path: "/demo/{name}") { _ in .text(200, "ok\n") })
        builder.addService(IdleService(), name: "demo listener")
        #expect(builder.routes.map(\.path) == ["/demo/{name}"])
        #expect(builder.services.map(\.name) == ["demo listener"])
        // The controller's reconcile series exist at zero from registration on.
        let scraped = try MetricsExposition(parsing: String(decoding: builder.metrics.exposition(), as: UTF8.self))
        #expect(scraped.value("keyward_reconcile_errors_total", ["controller": "demo"]) == 0)
    }
}
