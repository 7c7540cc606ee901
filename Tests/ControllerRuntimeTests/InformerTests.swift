import ControllerRuntime
import Foundation
import KeywardCore
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Synchronization
import Testing

/// Starts a test API server and a client for it.
func startCluster(_ configure: (inout APIServerConfiguration) -> Void = { _ in }) async throws -> (APIServer, KubernetesClient) {
    var configuration = APIServerConfiguration()
    configure(&configuration)
    let server = try await APIServer.start(configuration)
    let client = KubernetesClient(
        configuration: ClientConfiguration(server: server.url, tls: TLSSettings(caPEM: Data(server.caCertificatePEM.utf8)),
                                           credentials: .token(server.token)),
        retryPolicy: RetryPolicy(maxAttempts: 5, backoff: Backoff(base: 0.01, cap: 0.1)))
    return (server, client)
}

/// Polls `condition` until it holds or `attempts` × 20 ms passed. Never asserts on time itself.
func eventually(attempts: Int = 500, _ condition: () async throws -> Bool) async rethrows -> Bool {
    for _ in 0..<attempts {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// A ConfigMap informer in poll mode (every 30 s on `clock`), started and synced; cancel `running` to stop it.
func startPollingInformer(_ client: KubernetesClient, clock: ManualClock) async -> (informer: Informer<ConfigMap>, running: Task<Void, Never>) {
    var configuration = InformerConfiguration(scope: .namespace("default"), pollInterval: 30)
    // Resync far beyond the 30 s the tests advance. (resyncInterval = 0 would be the natural choice, but
    // Informer.run() then ends as soon as its resync task returns, cancelling the sync loop: reported.)
    configuration.resyncInterval = 3600
    let informer = Informer<ConfigMap>(client: client, configuration: configuration, clock: clock)
    let running = Task { await informer.run() }
    await informer.waitForSync()
    return (informer, running)
}

@Suite struct InformerTests {
    @Test func cacheFollowsChangesThroughCutWatchesAndExpiredVersions() async throws {
        let (server, client) = try await startCluster()
        let informer = Informer<ConfigMap>(client: client, configuration: InformerConfiguration(scope: .namespace("default")))
        let events = Mutex<[String]>([])
        await informer.addHandler { event in
            let tag: String
            switch event {
            case .added(let o): tag = "add:\(o.metadata.name)"
            case .updated(_, let o): tag = "update:\(o.metadata.name)"
            case .deleted(let o): tag = "delete:\(o.metadata.name)"
            case .resync: return
            }
            events.withLock { $0.append(tag) }
        }
        let running = Task { await informer.run() }
        await informer.waitForSync()

        _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "a", namespace: "default"), data: ["v": "1"]))
        #expect(await eventually { await informer.cached(namespace: "default", name: "a") != nil })

        // A cut stream resumes from the last version: a change made right after is not missed.
        await server.faults.cutWatches()
        var a = try await client.get(ConfigMap.self, name: "a", namespace: "default")
        a.data = ["v": "2"]
        _ = try await client.update(a)
        #expect(await eventually { await informer.cached(namespace: "default", name: "a")?.data?["v"] == "2" })

        // Expired history: the informer relists and reports what it missed.
        await server.faults.expireResourceVersions()
        await server.faults.cutWatches()
        _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "b", namespace: "default")))
        try await client.delete(ConfigMap.self, name: "a", namespace: "default")
        #expect(await eventually {
            let cache = await informer.list(namespace: "default").map(\.metadata.name)
            return cache == ["b"]
        })
        let seen = events.withLock { $0 }
        #expect(seen.contains("add:a") && seen.contains("update:a") && seen.contains("add:b") && seen.contains("delete:a"))
        #expect(await informer.listCount >= 2)
        running.cancel()
        await running.value
        client.shutdown()
        await server.shutdown()
    }

    @Test func secretsAreWatchedOnlyThroughTheLabelSelector() async throws {
        let (server, client) = try await startCluster()
        for i in 0..<20 {
            _ = try await client.create(Secret(metadata: ObjectMeta(name: "other-\(i)", namespace: "default")))
        }
        _ = try await client.create(Secret(metadata: ObjectMeta(name: "ours", namespace: "default",
                                                                labels: ["keyward.dev/owned": "true"])))
        let informer = Informer<Secret>(client: client, configuration: InformerConfiguration(
            labelSelector: ["keyward.dev/owned": "true"]))
        let running = Task { await informer.run() }
        await informer.waitForSync()
        #expect(await informer.count == 1)
        #expect(await informer.coversAllObjects == false)

        // The store answers reads of unlabelled Secrets with a GET, and of labelled ones from the cache.
        let store = KubernetesStore(client: client)
        store.register(informer)
        // The informer's watch request follows its list; let it be logged before counting from zero.
        #expect(await eventually { await server.requestLog().contains { $0.verb == .watch } })
        await server.clearLogs()
        let ours: Secret? = try await store.get(Secret.self, namespace: "default", name: "ours")
        #expect(ours != nil)
        #expect(await server.requestLog().isEmpty)
        let other: Secret? = try await store.get(Secret.self, namespace: "default", name: "other-3")
        #expect(other != nil)
        #expect(await server.requestLog().count == 1)
        running.cancel()
        await running.value
        client.shutdown()
        await server.shutdown()
    }

    /// Missing RBAC is not a network blip: refused on every list before the first sync, the informer gives up with
    /// a startup error naming the resource and what to grant (the manager then exits loudly); a few refusals
    /// followed by an answer (a RoleBinding that arrived late) sync as usual.
    @Test func refusedListsBeforeTheFirstSyncAreAStartupFailure() async throws {
        let (server, client) = try await startCluster()
        var configuration = InformerConfiguration(scope: .namespace("default"))
        configuration.errorBackoff = Backoff(base: 0.01, cap: 0.05)
        await server.faults.failNext(1000, verb: .list, resource: "configmaps", code: 403)
        let denied = Informer<ConfigMap>(client: client, configuration: configuration)
        let running = Task { await denied.run() }
        do {
            try await denied.waitUntilSynced()
            Issue.record("synced although every list was refused")
        } catch {
            guard case .accessDenied(let resource, let scope, _) = error else { Issue.record("\(error)"); return }
            #expect(resource == "configmaps" && scope == "namespace default")
            #expect(error.description.contains("list and watch"), "\(error.description)")
        }
        await running.value

        await server.faults.reset()
        await server.faults.failNext(configuration.deniedAttemptsBeforeFailure - 1, verb: .list, resource: "configmaps", code: 401)
        let late = Informer<ConfigMap>(client: client, configuration: configuration)
        let lateRun = Task { await late.run() }
        try await late.waitUntilSynced()
        #expect(await late.hasSynced)
        lateRun.cancel()
        await lateRun.value
        client.shutdown()
        await server.shutdown()
    }

    @Test func pollModeListsOnTheClock() async throws {
        let (server, client) = try await startCluster()
        let clock = ManualClock()
        let (informer, running) = await startPollingInformer(client, clock: clock)
        _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "polled", namespace: "default")))
        #expect(await informer.cached(namespace: "default", name: "polled") == nil)
        // Both loops parked on the clock: the poll (30 s) and the resync (3600 s).
        #expect(await eventually { clock.sleeperCount >= 2 })
        clock.advance(by: 30)
        #expect(await eventually { await informer.cached(namespace: "default", name: "polled") != nil })
        #expect(await informer.watchCount == 0)
        running.cancel()
        await running.value
        client.shutdown()
        await server.shutdown()
    }
}
