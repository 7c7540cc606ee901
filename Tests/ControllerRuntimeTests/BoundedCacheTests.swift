import ControllerRuntime
import Foundation
import KeywardCore
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Testing

/// Label-selected caches hold what tenants cannot inflate: managedFields dropped, objects over the bound kept as
/// metadata only (and read live, bounded, when a reconcile needs one), and only the namespaces asked for.
@Suite struct BoundedCacheTests {
    static let owned = ["keyward.dev/owned": "true"]

    static func secret(_ name: String, namespace: String = "default", bytes: Int) -> Secret {
        Secret(metadata: ObjectMeta(name: name, namespace: namespace, labels: owned),
               data: ["blob": Data(repeating: 0x41, count: bytes)])
    }

    /// The bytes the informer holds for Secret payloads (data values), the part a tenant controls.
    static func cachedPayload(_ informer: Informer<Secret>, names: [String]) async -> Int {
        var total = 0
        for name in names {
            if let entry = await informer.entry(namespace: "default", name: name) {
                total += entry.object.data.values.reduce(0) { $0 + $1.count }
            }
        }
        return total
    }

    @Test func oversizedSecretsAreCachedAsMetadataAndReadLiveWithABound() async throws {
        let (server, client) = try await startCluster()
        let small = try await client.create(Self.secret("small", bytes: 2_000))
        // Close to the API server's 1 MiB data limit for a Secret (1.3 MB as JSON).
        var huge = Self.secret("huge", bytes: 1_000_000)
        huge.metadata.annotations["keyward.dev/certificate-name"] = "web"
        _ = try await client.create(huge)
        let mid = Self.secret("mid", bytes: 600 * 1024)
        _ = try await client.create(mid)

        let configuration = InformerConfiguration(scope: .namespace("default"), labelSelector: Self.owned)
        let bounded = Informer<Secret>(client: client, configuration: configuration,
                                       cachePolicy: .secrets(maxObjectBytes: 256 * 1024))
        let unbounded = Informer<Secret>(client: client, configuration: configuration)
        let tasks = [Task { await bounded.run() }, Task { await unbounded.run() }]
        await bounded.waitForSync()
        await unbounded.waitForSync()

        // Memory, as a size comparison: the whole 1.6 MB in the unbounded cache, only the small Secret's 2 kB here.
        let names = ["small", "huge", "mid"]
        let before = await Self.cachedPayload(unbounded, names: names)
        let after = await Self.cachedPayload(bounded, names: names)
        #expect(before == 2_000 + 1_000_000 + 600 * 1024)
        #expect(after == 2_000)
        #expect(await bounded.truncatedCount == 2)

        // Handlers and routing still see the metadata (the annotation that routes the Secret to its Certificate).
        let stub = try #require(await bounded.entry(namespace: "default", name: "huge"))
        #expect(stub.truncated && stub.object.data.isEmpty)
        #expect(stub.object.metadata.annotations["keyward.dev/certificate-name"] == "web")
        #expect(await bounded.cached(namespace: "default", name: "huge") == nil, "never handed out as the object")

        let store = KubernetesStore(client: client, liveReadLimit: 1024 * 1024)
        store.register(bounded)
        #expect(try await store.getOwned(Secret.self, namespace: "default", name: "small")?.data == small.data)
        // Over the cache bound but under the live bound: read live, whole.
        #expect(try await store.get(Secret.self, namespace: "default", name: "mid")?.data == mid.data)
        // Over both: refused, with the reason, never decoded.
        do {
            _ = try await store.getOwned(Secret.self, namespace: "default", name: "huge")
            Issue.record("a 1.3 MB response was read past a 1 MiB bound")
        } catch StoreError.invalid(let kind, let key, let reason) {
            #expect(kind == "Secret" && key == "default/huge")
            #expect(reason.contains("over the 1048576-byte limit"), "\(reason)")
        }
        let listed = try await store.list(Secret.self, namespace: "default", labels: Self.owned).map(\.metadata.name)
            .sorted()
        #expect(listed == ["mid", "small"], "a list leaves out what is too large to read")

        // Shrunk below the bound: cached whole again.
        var fixed = try await client.get(Secret.self, name: "huge", namespace: "default")
        fixed.data = ["blob": Data("ok".utf8)]
        _ = try await client.update(fixed)
        #expect(await within(30) { await bounded.cached(namespace: "default", name: "huge")?.data["blob"] == Data("ok".utf8) })
        #expect(await bounded.truncatedCount == 1)

        for task in tasks { task.cancel(); await task.value }
        client.shutdown()
        await server.shutdown()
    }

    @Test func managedFieldsAreNotCached() async throws {
        let policy = CachePolicy<Secret>.secrets(maxObjectBytes: nil)
        var secret = Self.secret("a", bytes: 10)
        secret.metadata.unknownFields["managedFields"] = .array([.object(["manager": "kubectl", "fieldsV1": .object([:])])])
        secret.metadata.annotations["team"] = "a"
        let stripped = policy.strip(secret)
        #expect(stripped.metadata.unknownFields["managedFields"] == nil)
        #expect(stripped.metadata.annotations == ["team": "a"], "annotations are kept: a write-back must not drop them")
        #expect(stripped.data == secret.data)
    }

    /// The storage address of a value, to tell a shared copy from an equal one.
    private static func address(_ data: Data?) -> UnsafeRawPointer? { data?.withUnsafeBytes { $0.baseAddress } }

    @Test func aCACertificateManySecretsHoldIsCachedOnce() {
        let policy = CachePolicy<Secret>.secrets(maxObjectBytes: nil)
        let ca = Data(repeating: 0x43, count: 700)
        var first = Self.secret("a", bytes: 40)
        first.data["ca.crt"] = ca
        var second = Self.secret("b", bytes: 40)
        second.data["ca.crt"] = Data(ca)  // equal bytes, separate storage
        second.data["blob"] = first.data["blob"].map { Data($0) }
        #expect(Self.address(first.data["ca.crt"]) != Self.address(second.data["ca.crt"]))

        let (a, b) = (policy.strip(first), policy.strip(second))
        #expect(a.data == first.data && b.data == second.data, "interning changes no value")
        #expect(Self.address(a.data["ca.crt"]) == Self.address(b.data["ca.crt"]), "one copy of the CA certificate")
        #expect(Self.address(a.data["blob"]) != Self.address(b.data["blob"]), "other keys (private keys) are never pooled")
    }

    @Test func labelAndAnnotationKeysEveryObjectRepeatsAreCachedOnce() async throws {
        let (server, client) = try await startCluster()
        let key = "example.com/a-rather-long-annotation-key"
        for name in ["a", "b"] {
            var secret = Self.secret(name, bytes: 10)
            secret.metadata.annotations[key] = name
            _ = try await client.create(secret)
        }
        let informer = Informer<Secret>(client: client, configuration: InformerConfiguration(labelSelector: Self.owned),
                                        cachePolicy: .secrets(maxObjectBytes: nil))
        let task = Task { await informer.run() }
        await informer.waitForSync()
        func keyStorage(_ name: String) async -> UnsafeRawPointer? {
            let annotations = await informer.cached(namespace: "default", name: name)?.metadata.annotations ?? [:]
            return annotations.keys.first { $0 == key }?.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
        }
        let (a, b) = (await keyStorage("a"), await keyStorage("b"))
        #expect(a != nil && a == b, "both cached Secrets hold the one copy of the key")
        #expect(await informer.cached(namespace: "default", name: "b")?.metadata.annotations[key] == "b", "values stay their own")
        task.cancel()
        await task.value
        client.shutdown()
        await server.shutdown()
    }

    @Test func theSharedValuePoolStopsGrowingAtItsCapacity() {
        let policy = CachePolicy<Secret>.secrets(maxObjectBytes: nil)
        // Over 14 bytes, so each value has storage of its own (shorter ones are stored inline).
        func value(_ index: Int) -> Data { Data("ca-\(index)-".utf8) + Data(repeating: 0x2E, count: 32) }
        var kept: [Secret] = []
        for index in 0..<300 {
            var secret = Self.secret("s\(index)", bytes: 1)
            secret.data["ca.crt"] = value(index)
            kept.append(policy.strip(secret))
        }
        // Past the pool's 256 values, a new value is cached as it came: equal copies are no longer shared.
        var late = Self.secret("late", bytes: 1)
        late.data["ca.crt"] = value(299)
        let lateCopy = policy.strip(late)
        #expect(lateCopy.data["ca.crt"] == value(299))
        #expect(Self.address(lateCopy.data["ca.crt"]) != Self.address(kept[299].data["ca.crt"]))
        var early = Self.secret("early", bytes: 1)
        early.data["ca.crt"] = value(0)
        #expect(Self.address(policy.strip(early).data["ca.crt"]) == Self.address(kept[0].data["ca.crt"]))
    }

    @Test func namespacesModeWatchesOnlyTheNamespacesGiven() async throws {
        let (server, client) = try await startCluster()
        for namespace in ["team-a", "team-b", "team-c"] {
            _ = try await client.create(Namespace(name: namespace))
            _ = try await client.create(Self.secret("s", namespace: namespace, bytes: 10))
        }
        let informer = Informer<Secret>(
            client: client, configuration: InformerConfiguration(namespaces: ["team-a", "team-b"], labelSelector: Self.owned))
        let task = Task { await informer.run() }
        await informer.waitForSync()
        _ = try await client.create(Self.secret("late", namespace: "team-c", bytes: 10))
        _ = try await client.create(Self.secret("late", namespace: "team-b", bytes: 10))
        #expect(await within(30) { await informer.cached(namespace: "team-b", name: "late") != nil })
        let cached = await informer.list(namespace: nil).map { "\($0.metadata.namespace ?? "")/\($0.metadata.name)" }.sorted()
        #expect(cached == ["team-a/s", "team-b/late", "team-b/s"])
        // Every request stayed inside the two namespaces: no cluster-wide list or watch, nothing in team-c.
        let paths = await server.requestLog().filter { $0.resource == "secrets" && $0.verb != .create }
        #expect(!paths.isEmpty && paths.allSatisfy { ["team-a", "team-b"].contains($0.namespace ?? "") }, "\(paths.map(\.path))")
        task.cancel()
        await task.value
        client.shutdown()
        await server.shutdown()
    }
}
