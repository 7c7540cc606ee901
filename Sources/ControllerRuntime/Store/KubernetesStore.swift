import Foundation
import KeywardCore
import KubernetesClient
import Synchronization

/// Reads from informer caches where one runs for the type (no API request), falls back to a GET otherwise, and
/// writes through the API. Writes also update the cache at once, so a reconcile that follows its own write
/// sees it even before the watch event arrives.
public final class KubernetesStore: ResourceStore {
    public let client: KubernetesClient
    /// The largest response (JSON bytes) of a live read of an object the cache kept only the metadata of (over its
    /// ``CachePolicy`` bound): larger is refused as ``StoreError/invalid(kind:key:reason:)``. 1 MiB of JSON holds
    /// any certificate or rotated Secret and a CRL of tens of thousands of entries; a tenant's Secret filled to the
    /// API server's 1 MiB data limit is more (base64).
    public let liveReadLimit: Int
    private let caches = Mutex<[ObjectIdentifier: any Sendable]>([:])

    public init(client: KubernetesClient, liveReadLimit: Int = 1024 * 1024) {
        self.client = client
        self.liveReadLimit = liveReadLimit
    }

    /// Routes reads of `T` to `informer` (for objects it can see: its label selector must match).
    public func register<T: KubernetesResource>(_ informer: Informer<T>) {
        caches.withLock { $0[ObjectIdentifier(T.self)] = informer }
    }

    /// The informer registered for `T`, so another controller can watch the same cache (one informer per type).
    public func informer<T: KubernetesResource>(for type: T.Type) -> Informer<T>? {
        caches.withLock { $0[ObjectIdentifier(T.self)] as? Informer<T> }
    }

    public func get<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws -> T? {
        if let informer = informer(for: T.self), await informer.hasSynced {
            if let entry = await informer.entry(namespace: namespace, name: name) {
                return entry.truncated ? try await boundedGet(T.self, namespace: namespace, name: name) : entry.object
            }
            // A miss may be an object outside the informer's label selector (e.g. a user's CA Secret).
            if await informer.coversAllObjects { return nil }
        }
        do {
            return try await client.get(T.self, name: name, namespace: namespace)
        } catch let error as KubernetesError where error.isNotFound {
            return nil
        }
    }

    /// Once the type's informer has synced, its cache is the answer,
    /// a miss included. Every object Keyward creates carries the informer's label, and its own writes enter the
    /// cache at once, so a miss is an object that is not Keyward's (or none): no GET for a Certificate's Secret
    /// before its first issuance.
    public func getOwned<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws -> T? {
        if let informer = informer(for: T.self), await informer.hasSynced {
            guard let entry = await informer.entry(namespace: namespace, name: name) else { return nil }
            return entry.truncated ? try await boundedGet(T.self, namespace: namespace, name: name) : entry.object
        }
        return try await get(type, namespace: namespace, name: name)
    }

    /// A live read of an object the cache holds as metadata only, refused past ``liveReadLimit``.
    private func boundedGet<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws -> T? {
        do {
            return try await client.get(T.self, name: name, namespace: namespace, maxBytes: liveReadLimit)
        } catch let error as KubernetesError where error.isNotFound {
            return nil
        } catch let error as ResponseTooLarge {
            throw StoreError.invalid(kind: T.kind, key: error.key, reason: error.description)
        }
    }

    /// The informer cache only: nil without an informer for `T`, before it synced, or for objects it does not see.
    public func cachedOnly<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async -> T? {
        guard let informer = informer(for: T.self), await informer.hasSynced else { return nil }
        return await informer.cached(namespace: namespace, name: name)
    }

    public func list<T: KubernetesResource>(_ type: T.Type, namespace: String?, labels: [String: String]) async throws -> [T] {
        if let informer = informer(for: T.self), await informer.hasSynced, await informer.covers(labels: labels) {
            var objects = await informer.list(namespace: namespace).filter { labelsMatch($0.metadata.labels, labels) }
            // Objects cached as metadata only are read live; those over the live bound too are left out (a get
            // of one says why).
            for stub in await informer.truncatedObjects(namespace: namespace) where labelsMatch(stub.metadata.labels, labels) {
                do {
                    if let full = try await boundedGet(T.self, namespace: stub.metadata.namespace, name: stub.metadata.name) {
                        objects.append(full)
                    }
                } catch StoreError.invalid {
                    continue
                }
            }
            return objects
        }
        let selector = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        let scope: NamespaceSelector = namespace.map { .namespace($0) } ?? .allNamespaces
        return try await client.listAll(T.self, in: scope, options: ListOptions(labelSelector: selector.isEmpty ? nil : selector,
                                                                               limit: 500)).items
    }

    public func create<T: KubernetesResource>(_ object: T) async throws -> T {
        try await write(object) { try await client.create(object) }
    }

    public func update<T: KubernetesResource>(_ object: T) async throws -> T {
        try await write(object) { try await client.update(object) }
    }

    public func updateStatus<T: HasStatusSubresource>(_ object: T) async throws -> T {
        let object = SecretScrubber.scrubStatus(object)  // no key material in status, whoever built the message
        return try await write(object) { try await client.updateStatus(object) }
    }

    /// A write the informer knows is in flight: its echo is recognised whether it arrives before or after the
    /// response, and the response is cached so reads see it at once.
    private func write<T: KubernetesResource>(_ object: T, _ body: () async throws -> T) async throws -> T {
        let informer = informer(for: T.self)
        let (namespace, name) = (object.metadata.namespace, object.metadata.name)
        await informer?.beginWrite(namespace: namespace, name: name)
        do {
            let written = try await translate(object, body)
            await informer?.endWrite(written, namespace: namespace, name: name)
            return written
        } catch {
            await informer?.endWrite(nil, namespace: namespace, name: name)
            throw error
        }
    }

    public func delete<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws {
        do {
            try await client.delete(T.self, name: name, namespace: namespace)
        } catch let error as KubernetesError where error.isNotFound {
            return
        }
    }

    private func translate<T: KubernetesResource>(_ object: T, _ body: () async throws -> T) async throws -> T {
        let key = object.metadata.key
        do {
            return try await body()
        } catch let error as KubernetesError {
            switch error {
            case .conflict: throw StoreError.conflict(kind: T.kind, key: key)
            case .alreadyExists: throw StoreError.alreadyExists(kind: T.kind, key: key)
            case .notFound: throw StoreError.notFound(kind: T.kind, key: key)
            case .invalid: throw StoreError.invalid(kind: T.kind, key: key, reason: error.description)
            default: throw error
            }
        }
    }
}
