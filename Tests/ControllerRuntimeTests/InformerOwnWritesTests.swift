import ControllerRuntime
import Foundation
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Synchronization
import Testing

/// A status observer (notifications) sees the writes this process makes through the store; a controller's handler
/// does not, or each of its own writes would reconcile it again.
@Suite struct InformerOwnWritesTests {
    @Test func ownWritesReachOnlyHandlersThatAskForThem() async throws {
        let (server, client) = try await startCluster()
        // Not running: no watch, so whatever the handlers see comes from the store's writes alone.
        let informer = Informer<ConfigMap>(client: client)
        let store = KubernetesStore(client: client)
        store.register(informer)
        let plain = Mutex<[String]>([])
        let withOwn = Mutex<[String]>([])
        @Sendable func describe(_ event: InformerEvent<ConfigMap>) -> String {
            switch event {
            case .added(let object): "added \(object.data?["v"] ?? "")"
            case .updated(let old, let new): "updated \(old.data?["v"] ?? "") -> \(new.data?["v"] ?? "")"
            case .deleted: "deleted"
            case .resync: "resync"
            }
        }
        await informer.addHandler { event in plain.withLock { $0.append(describe(event)) } }
        await informer.addHandlerIncludingOwnWrites { event in withOwn.withLock { $0.append(describe(event)) } }

        var created = try await store.create(ConfigMap(metadata: ObjectMeta(name: "state", namespace: "default"), data: ["v": "1"]))
        created.data = ["v": "2"]
        _ = try await store.update(created)
        #expect(withOwn.withLock { $0 } == ["added 1", "updated 1 -> 2"])
        #expect(plain.withLock { $0 }.isEmpty)
        client.shutdown()
        await server.shutdown()
    }

    /// A running informer passes over the watch echoes of its own writes (they change nothing it holds), and still
    /// delivers another writer's changes to the same object.
    @Test func echoesOfOwnWritesAreNotDecodedAgain() async throws {
        let (server, client) = try await startCluster()
        let informer = Informer<ConfigMap>(client: client)
        let store = KubernetesStore(client: client)
        store.register(informer)
        let seen = Mutex<[String]>([])
        await informer.addHandler { event in
            if case .updated(_, let new) = event { seen.withLock { $0.append(new.data?["v"] ?? "") } }
        }
        let running = Task { await informer.run() }
        await informer.waitForSync()
        // An echo that outruns its write's response is decoded as before, so several writes, each waited for.
        var updated = try await store.create(ConfigMap(metadata: ObjectMeta(name: "state", namespace: "default"), data: ["v": "0"]))
        for value in ["1", "2", "2a", "2b", "2c"] {
            updated.data = ["v": value]
            updated = try await store.update(updated)
            let version = updated.metadata.resourceVersion
            #expect(await within(10) { await informer.lastSeenVersion == version })
        }
        #expect(informer.passedOverEchoes >= 1, "no echo was passed over")
        #expect(await informer.cached(namespace: "default", name: "state")?.metadata.resourceVersion == updated.metadata.resourceVersion)
        // Someone else's write is an ordinary event.
        var theirs = updated
        theirs.data = ["v": "3"]
        _ = try await client.update(theirs)
        #expect(await within(10) { seen.withLock { $0 }.last == "3" })
        #expect(informer.pendingEchoes <= 1)
        #expect(await informer.cached(namespace: "default", name: "state")?.data?["v"] == "3")
        running.cancel()
        await running.value
        client.shutdown()
        await server.shutdown()
    }
}
