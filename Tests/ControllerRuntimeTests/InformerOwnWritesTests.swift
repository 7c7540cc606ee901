import ControllerRuntime
import Foundation
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
}
