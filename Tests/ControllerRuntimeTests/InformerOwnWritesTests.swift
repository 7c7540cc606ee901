@testable import ControllerRuntime
import Foundation
import KeywardCore
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

    /// A running informer whose watch passes over the echoes of its own writes still ends at the object's latest
    /// version and delivers another writer's change to the same object; the filter holds at most one note per object.
    @Test func echoFilterKeepsTheCacheRightAndOthersWritesVisible() async throws {
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
        // Whether an echo is passed over depends on whether it outruns its write's response (then it is decoded as
        // before), which the test cannot steer: the filter itself is tested line by line in WatchLineCorpusTests.
        // Here: with the filter in the watch, twenty writes leave the cache at the last one and no handler confused.
        var updated = try await store.create(ConfigMap(metadata: ObjectMeta(name: "state", namespace: "default"), data: ["v": "0"]))
        for value in (1...20).map({ "w\($0)" }) {
            updated.data = ["v": value]
            updated = try await store.update(updated)
            let version = updated.metadata.resourceVersion
            #expect(await within(10) { await informer.lastSeenVersion == version })
        }
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

    /// The echo of a write that outruns the write's response (steered here: the response is handed over only after
    /// the watch delivered the echo) notifies only the handlers that follow own writes, once; another writer's change
    /// that lands while a write is in flight is held and then delivered to everyone.
    @Test func echoOutrunningItsResponseIsNotReconciledAgain() async throws {
        let (server, client) = try await startCluster()
        let informer = Informer<ConfigMap>(client: client)
        let plain = Mutex<[String]>([])
        let withOwn = Mutex<[String]>([])
        await informer.addHandler { event in plain.withLock { $0.append(event.object.data?["v"] ?? "") } }
        await informer.addHandlerIncludingOwnWrites { event in withOwn.withLock { $0.append(event.object.data?["v"] ?? "") } }
        let running = Task { await informer.run() }
        await informer.waitForSync()
        var object = try await client.create(ConfigMap(metadata: ObjectMeta(name: "state", namespace: "default"), data: ["v": "0"]))
        #expect(await within(10) { plain.withLock { $0 } == ["0"] })

        // Our write: its echo reaches the cache while the write still counts as in flight.
        await informer.beginWrite(namespace: "default", name: "state")
        object.data = ["v": "ours"]
        let ours = try await client.update(object)
        #expect(await within(10) { await informer.cached(namespace: "default", name: "state")?.data?["v"] == "ours" })
        await informer.endWrite(ours, namespace: "default", name: "state")
        #expect(plain.withLock { $0 } == ["0"])
        #expect(withOwn.withLock { $0 } == ["0", "ours"])

        // Someone else's write lands while ours is in flight, and ours fails: theirs reaches every handler.
        await informer.beginWrite(namespace: "default", name: "state")
        var theirs = ours
        theirs.data = ["v": "theirs"]
        _ = try await client.update(theirs)
        #expect(await within(10) { await informer.cached(namespace: "default", name: "state")?.data?["v"] == "theirs" })
        #expect(plain.withLock { $0 } == ["0"])
        await informer.endWrite(nil, namespace: "default", name: "state")
        #expect(plain.withLock { $0 } == ["0", "theirs"])
        #expect(withOwn.withLock { $0 } == ["0", "ours", "theirs"])

        // Ours, then theirs on top of it, both watched before our response: the cache stays at theirs (the response
        // is older than what the watch brought), and theirs reaches every handler.
        await informer.beginWrite(namespace: "default", name: "state")
        var second = try await client.get(ConfigMap.self, name: "state", namespace: "default")
        second.data = ["v": "ours again"]
        let oursAgain = try await client.update(second)
        var later = oursAgain
        later.data = ["v": "theirs later"]
        _ = try await client.update(later)
        #expect(await within(10) { await informer.cached(namespace: "default", name: "state")?.data?["v"] == "theirs later" })
        await informer.endWrite(oursAgain, namespace: "default", name: "state")
        #expect(await informer.cached(namespace: "default", name: "state")?.data?["v"] == "theirs later")
        #expect(plain.withLock { $0 } == ["0", "theirs", "theirs later"])
        running.cancel()
        await running.value
        client.shutdown()
        await server.shutdown()
    }
}

extension InformerOwnWritesTests {
    /// Ours commits, someone else writes on top, a relist caches theirs, then our response arrives: the response is
    /// older than what the list brought and must not be cached over it (nothing would ever correct it: the watch
    /// resumes after the listed version).
    @Test func aRelistDuringOurWriteIsNotUndoneByOurResponse() async throws {
        let (server, client) = try await startCluster()
        let clock = ManualClock()
        let (informer, running) = await startPollingInformer(client, clock: clock)
        var object = try await client.create(ConfigMap(metadata: ObjectMeta(name: "state", namespace: "default"), data: ["v": "0"]))
        #expect(await eventually { clock.sleeperCount >= 2 })
        clock.advance(by: 30)
        #expect(await eventually { await informer.cached(namespace: "default", name: "state")?.data?["v"] == "0" })

        await informer.beginWrite(namespace: "default", name: "state")
        object.data = ["v": "ours"]
        let ours = try await client.update(object)
        var theirs = ours
        theirs.data = ["v": "theirs"]
        _ = try await client.update(theirs)
        #expect(await eventually { clock.sleeperCount >= 2 })
        clock.advance(by: 30)
        #expect(await eventually { await informer.cached(namespace: "default", name: "state")?.data?["v"] == "theirs" })
        await informer.endWrite(ours, namespace: "default", name: "state")
        #expect(await informer.cached(namespace: "default", name: "state")?.data?["v"] == "theirs")
        running.cancel()
        await running.value
        client.shutdown()
        await server.shutdown()
    }
}
