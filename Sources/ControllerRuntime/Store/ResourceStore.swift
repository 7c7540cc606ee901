import Foundation
import KeywardCore
import KubernetesClient

/// Where reconcilers read and write resources. Two implementations serve it: ``KubernetesStore`` (informer
/// caches for reads, the API for writes) and standalone mode's file store. Reconcilers see only this protocol,
/// so their logic is written once.
public protocol ResourceStore: Sendable {
    /// The object, or `nil` when it does not exist.
    func get<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws -> T?
    /// Reads an object Keyward creates and labels itself. Stores that cache only Keyward's own objects may answer
    /// a miss with nil without asking: a foreign object of that name is then reported by `create` as
    /// ``StoreError/alreadyExists(kind:key:)``, and the caller reads it with ``get(_:namespace:name:)``.
    func getOwned<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws -> T?
    /// Objects of a type in a namespace (or all), optionally filtered by exact label matches.
    func list<T: KubernetesResource>(_ type: T.Type, namespace: String?, labels: [String: String]) async throws -> [T]
    func create<T: KubernetesResource>(_ object: T) async throws -> T
    /// Optimistic update: throws a conflict when `metadata.resourceVersion` is stale.
    func update<T: KubernetesResource>(_ object: T) async throws -> T
    func updateStatus<T: HasStatusSubresource>(_ object: T) async throws -> T
    func delete<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws
    /// What the store holds locally, never asking a server: for endpoints anyone may call (e.g. `/crl`), whose
    /// requests must not turn into API reads. nil for a miss, or while a cache has not synced yet.
    func cachedOnly<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async -> T?
}

extension ResourceStore {
    public func list<T: KubernetesResource>(_ type: T.Type, namespace: String?) async throws -> [T] {
        try await list(type, namespace: namespace, labels: [:])
    }

    /// A store without a server (standalone mode's files) reads locally anyway.
    public func cachedOnly<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async -> T? {
        try? await get(type, namespace: namespace, name: name)
    }

    /// Without a cache of its own objects, a store reads them like any other.
    public func getOwned<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws -> T? {
        try await get(type, namespace: namespace, name: name)
    }
}

/// Errors a store raises that reconcilers react to, independent of the backend.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The object changed since it was read: re-read and retry.
    case conflict(kind: String, key: String)
    case alreadyExists(kind: String, key: String)
    case notFound(kind: String, key: String)
    /// The backend rejected the write as invalid (field causes in `reason`).
    case invalid(kind: String, key: String, reason: String)

    public var description: String {
        switch self {
        case .conflict(let kind, let key): "\(kind) \(key) was modified concurrently"
        case .alreadyExists(let kind, let key): "\(kind) \(key) already exists"
        case .notFound(let kind, let key): "\(kind) \(key) not found"
        case .invalid(let kind, let key, let reason): "\(kind) \(key) is invalid: \(reason)"
        }
    }
}

/// Exact-match label filtering shared by caches and the file store.
public func labelsMatch(_ labels: [String: String], _ selector: [String: String]) -> Bool {
    selector.allSatisfy { labels[$0.key] == $0.value }
}
