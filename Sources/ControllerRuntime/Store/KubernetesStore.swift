import Foundation
import KeywardCore
import KubernetesClient
import Synchronization

/// Reads from informer caches where one runs for the type (no API request), falls back to a GET otherwise, and
/// writes through the API. Writes also update the cache at once, so a reconcile that follows its own write
/// sees it even before the watch event arrives.
public final class KubernetesStore: ResourceStore {
    public let client: KubernetesClient
    private let caches = Mutex<[ObjectIdentifier: any Sendable]>([:])

    public init(client: KubernetesClient) { self.client = client }

    /// Routes reads of `T` to `informer` (for objects it can see: its label selector must match).
    public func register<T: KubernetesResource>(_ informer: Informer<T>) {
        caches.withLock { $0[ObjectIdentifier(T.self)] = informer }
    }

    private func informer<T: KubernetesResource>(for type: T.Type) -> Informer<T>? {
        caches.withLock { $0[ObjectIdentifier(T.self)] as? Informer<T> }
    }

    public func get<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws -> T? {
        if let informer = informer(for: T.self), await informer.hasSynced {
            if let cached = await informer.cached(namespace: namespace, name: name) { return cached }
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
            return await informer.cached(namespace: namespace, name: name)
        }
        return try await get(type, namespace: namespace, name: name)
    }

    public func list<T: KubernetesResource>(_ type: T.Type, namespace: String?, labels: [String: String]) async throws -> [T] {
        if let informer = informer(for: T.self), await informer.hasSynced, await informer.covers(labels: labels) {
            return await informer.list(namespace: namespace).filter { labelsMatch($0.metadata.labels, labels) }
        }
        let selector = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        let scope: NamespaceSelector = namespace.map { .namespace($0) } ?? .allNamespaces
        return try await client.listAll(T.self, in: scope, options: ListOptions(labelSelector: selector.isEmpty ? nil : selector,
                                                                               limit: 500)).items
    }

    public func create<T: KubernetesResource>(_ object: T) async throws -> T {
        let created = try await translate(object) { try await client.create(object) }
        await informer(for: T.self)?.observeWrite(created)
        return created
    }

    public func update<T: KubernetesResource>(_ object: T) async throws -> T {
        let updated = try await translate(object) { try await client.update(object) }
        await informer(for: T.self)?.observeWrite(updated)
        return updated
    }

    public func updateStatus<T: HasStatusSubresource>(_ object: T) async throws -> T {
        let updated = try await translate(object) { try await client.updateStatus(object) }
        await informer(for: T.self)?.observeWrite(updated)
        return updated
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
