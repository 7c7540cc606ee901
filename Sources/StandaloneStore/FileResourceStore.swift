import ControllerRuntime
import Crypto
import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient

/// The standalone mode's `ResourceStore`: the same contract the Kubernetes-backed store serves, kept in files.
///
/// Objects live in memory and in `<state>/<plural.group>/<namespace>/<name>.json` (mode 0600: Secrets are in there),
/// each written with write-to-temp + rename so a crash leaves either the old or the new file, never a torn one.
/// Like an API server it keeps resourceVersions (stale updates conflict), bumps `generation` on spec changes only,
/// keeps status and spec writes apart, and holds objects with finalizers until they are removed.
///
/// Manifests are applied like `kubectl apply`: a manifest that changed since it was last applied replaces the
/// object's spec, labels and annotations; a manifest that disappeared deletes its object. Objects the reconcilers
/// created (Secrets, ConfigMaps) are never deleted by a manifest change.
public actor FileResourceStore: ResourceStore {
    public let stateDirectory: String
    private let clock: any WallClock
    private var objects: [StoredObjectKey: JSONValue] = [:]
    private var index: ManifestIndex
    private var lastResourceVersion: Int64
    /// Writes since the store was opened (creates, updates, status updates, deletes); a resync that writes nothing
    /// leaves it unchanged.
    public private(set) var writeCount = 0

    /// Opens (or creates) a state folder and loads every object in it.
    public init(stateDirectory: String, clock: any WallClock = SystemClock()) throws(StandaloneStoreError) {
        self.stateDirectory = stateDirectory
        self.clock = clock
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch { throw .writeFailed(file: stateDirectory, reason: error.localizedDescription) }
        var loaded: [StoredObjectKey: JSONValue] = [:]
        var highest: Int64 = 0
        for file in StateFiles.objectFiles(in: stateDirectory) {
            let value = try StateFiles.read(file.path)
            loaded[file.key] = value
            highest = max(highest, Int64(value[path: ["metadata", "resourceVersion"]]?.stringValue ?? "") ?? 0)
        }
        objects = loaded
        lastResourceVersion = highest
        index = try ManifestIndex.load(stateDirectory: stateDirectory)
    }

    // MARK: Manifests

    /// Applies a manifest folder; returns the keys of objects that were created, changed or deleted.
    @discardableResult
    public func apply(_ manifests: [Manifest]) throws(StandaloneStoreError) -> Set<StoredObjectKey> {
        var changed: Set<StoredObjectKey> = []
        let before = index
        let declared = Set(manifests.map(\.key))
        for manifest in manifests {
            let hash = Self.hash(manifest.object)
            guard index.hashes[manifest.key] != hash || objects[manifest.key] == nil else { continue }
            if var existing = objects[manifest.key], existing[path: ["metadata", "deletionTimestamp"]] == nil {
                existing = Self.merge(manifest: manifest.object, into: existing)
                if existing != objects[manifest.key] { try persist(bumpingVersionOf: existing, key: manifest.key) }
            } else {
                var fresh = manifest.object
                stampNew(&fresh)
                try persist(bumpingVersionOf: fresh, key: manifest.key)
            }
            index.hashes[manifest.key] = hash
            changed.insert(manifest.key)
        }
        for key in index.hashes.keys.sorted() where !declared.contains(key) {
            index.hashes[key] = nil
            if objects[key] != nil {
                try deleteObject(key)
                changed.insert(key)
            }
        }
        if index != before { try index.save(stateDirectory: stateDirectory) }
        return changed
    }

    /// Keys of every stored object of a type.
    public func keys(resource: String) -> [StoredObjectKey] {
        objects.keys.filter { $0.resource == resource }.sorted()
    }

    // MARK: ResourceStore

    public func get<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws -> T? {
        guard let value = objects[key(T.self, namespace: namespace, name: name)] else { return nil }
        return try Self.decode(T.self, from: value)
    }

    public func list<T: KubernetesResource>(_ type: T.Type, namespace: String?, labels: [String: String]) async throws -> [T] {
        try objects.keys.sorted()
            .filter { $0.resource == T.qualifiedPlural && (namespace == nil || $0.namespace == namespace) }
            .map { try Self.decode(T.self, from: objects[$0]!) }
            .filter { labelsMatch($0.metadata.labels, labels) }
    }

    public func create<T: KubernetesResource>(_ object: T) async throws -> T {
        let key = key(T.self, namespace: object.metadata.namespace, name: object.metadata.name)
        // The key becomes a path under the state folder: refuse what the API server would (e.g. "../x").
        if let problem = ObjectNames.nameProblem(key.name) {
            throw StoreError.invalid(kind: T.kind, key: key.description, reason: "metadata.name: \(problem)")
        }
        if let namespace = key.namespace, let problem = ObjectNames.namespaceProblem(namespace) {
            throw StoreError.invalid(kind: T.kind, key: key.description, reason: "metadata.namespace: \(problem)")
        }
        guard objects[key] == nil else { throw StoreError.alreadyExists(kind: T.kind, key: key.description) }
        var value = try Self.encode(object)
        stampNew(&value)
        return try Self.decode(T.self, from: try persist(bumpingVersionOf: value, key: key))
    }

    public func update<T: KubernetesResource>(_ object: T) async throws -> T {
        let key = key(T.self, namespace: object.metadata.namespace, name: object.metadata.name)
        let current = try existing(T.self, key: key, resourceVersion: object.metadata.resourceVersion)
        var value = try Self.encode(object)
        // The main resource never writes status, and server-owned metadata stays the server's.
        value["status"] = current["status"]
        for field in ["uid", "creationTimestamp", "deletionTimestamp", "generation"] {
            value[metadata: field] = current[path: ["metadata", field]]
        }
        if Self.specOf(value) != Self.specOf(current), current["spec"] != nil {
            value[metadata: "generation"] = .int((current[path: ["metadata", "generation"]]?.intValue ?? 1) + 1)
        }
        if value == current { return object }
        // An object being deleted is removed once its last finalizer is.
        if value[path: ["metadata", "deletionTimestamp"]] != nil,
            value[path: ["metadata", "finalizers"]]?.arrayValue?.isEmpty ?? true
        {
            try removeObject(key)
            var gone = object
            gone.metadata.finalizers = []
            return gone
        }
        return try Self.decode(T.self, from: try persist(bumpingVersionOf: value, key: key))
    }

    public func updateStatus<T: HasStatusSubresource>(_ object: T) async throws -> T {
        let object = SecretScrubber.scrubStatus(object)  // no key material in status, whoever built the message
        let key = key(T.self, namespace: object.metadata.namespace, name: object.metadata.name)
        var value = try existing(T.self, key: key, resourceVersion: object.metadata.resourceVersion)
        let status = try Self.encode(object)["status"]
        if value["status"] == status { return try Self.decode(T.self, from: value) }
        value["status"] = status
        return try Self.decode(T.self, from: try persist(bumpingVersionOf: value, key: key))
    }

    public func delete<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws {
        let key = key(T.self, namespace: namespace, name: name)
        guard objects[key] != nil else { throw StoreError.notFound(kind: T.kind, key: key.description) }
        try deleteObject(key)
    }

    // MARK: Internals

    private func key<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) -> StoredObjectKey {
        StoredObjectKey(resource: T.qualifiedPlural, namespace: T.isNamespaced ? (namespace ?? "default") : nil, name: name)
    }

    private func existing<T: KubernetesResource>(_ type: T.Type, key: StoredObjectKey, resourceVersion: String?) throws -> JSONValue {
        guard let current = objects[key] else { throw StoreError.notFound(kind: T.kind, key: key.description) }
        if let resourceVersion, resourceVersion != current[path: ["metadata", "resourceVersion"]]?.stringValue {
            throw StoreError.conflict(kind: T.kind, key: key.description)
        }
        return current
    }

    private func stampNew(_ value: inout JSONValue) {
        value[metadata: "uid"] = .string(UUID().uuidString.lowercased())
        value[metadata: "creationTimestamp"] = .string(KubeTime.format(clock.now))
        if value["spec"] != nil { value[metadata: "generation"] = .int(1) }
    }

    /// Graceful delete: objects with finalizers get a deletionTimestamp and stay until the finalizers are gone.
    private func deleteObject(_ key: StoredObjectKey) throws(StandaloneStoreError) {
        guard var value = objects[key] else { return }
        if let finalizers = value[path: ["metadata", "finalizers"]]?.arrayValue, !finalizers.isEmpty {
            guard value[path: ["metadata", "deletionTimestamp"]] == nil else { return }
            value[metadata: "deletionTimestamp"] = .string(KubeTime.format(clock.now))
            try persist(bumpingVersionOf: value, key: key)
            return
        }
        try removeObject(key)
    }

    private func removeObject(_ key: StoredObjectKey) throws(StandaloneStoreError) {
        objects[key] = nil
        writeCount += 1
        try StateFiles.remove(key, stateDirectory: stateDirectory)
    }

    @discardableResult
    private func persist(bumpingVersionOf value: JSONValue, key: StoredObjectKey) throws(StandaloneStoreError) -> JSONValue {
        var value = value
        lastResourceVersion += 1
        value[metadata: "resourceVersion"] = .string(String(lastResourceVersion))
        try StateFiles.write(value, key: key, stateDirectory: stateDirectory)
        objects[key] = value
        writeCount += 1
        return value
    }

    /// `kubectl apply` for one object: the manifest's top-level fields replace the stored ones (status and
    /// server-owned metadata kept); labels and annotations from the manifest are laid over the stored ones.
    static func merge(manifest: JSONValue, into stored: JSONValue) -> JSONValue {
        guard case .object(let incoming) = manifest, case .object(var result) = stored else { return stored }
        for (field, value) in incoming where field != "metadata" && field != "status" { result[field] = value }
        for field in result.keys where incoming[field] == nil && !["metadata", "status", "apiVersion", "kind"].contains(field) {
            result[field] = nil
        }
        var merged = JSONValue.object(result)
        for mapField in ["labels", "annotations"] {
            var map = stored[path: ["metadata", mapField]]?.objectValue ?? [:]
            for (k, v) in manifest[path: ["metadata", mapField]]?.objectValue ?? [:] { map[k] = v }
            merged[metadata: mapField] = map.isEmpty ? nil : .object(map)
        }
        if specOf(merged) != specOf(stored), stored["spec"] != nil {
            merged[metadata: "generation"] = .int((stored[path: ["metadata", "generation"]]?.intValue ?? 1) + 1)
        }
        return merged
    }

    /// Everything but metadata and status: what `generation` tracks.
    static func specOf(_ value: JSONValue) -> JSONValue {
        guard case .object(var object) = value else { return value }
        object["metadata"] = nil
        object["status"] = nil
        return .object(object)
    }

    static func hash(_ value: JSONValue) -> String {
        SHA256.hash(data: value.serialized()).map { String(format: "%02x", $0) }.joined()
    }

    static func encode<T: Encodable>(_ object: T) throws -> JSONValue {
        try JSONValue.parse(KubeJSON.makeEncoder().encode(object))
    }

    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try KubeJSON.makeDecoder().decode(T.self, from: value.serialized())
    }
}

extension JSONValue {
    /// Reads or writes one field of `metadata`; writing nil removes it.
    subscript(metadata field: String) -> JSONValue? {
        get { self[path: ["metadata", field]] }
        set {
            guard case .object(var object) = self else { return }
            var metadata = object["metadata"]?.objectValue ?? [:]
            metadata[field] = newValue
            object["metadata"] = .object(metadata)
            self = .object(object)
        }
    }
}
