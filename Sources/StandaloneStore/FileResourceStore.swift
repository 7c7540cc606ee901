import AtomicDirectory
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
    private let durability: Durability
    private var objects: [StoredObjectKey: JSONValue] = [:]
    /// Objects as last decoded, dropped whenever the stored JSON changes.
    private var decoded: [StoredObjectKey: any Sendable] = [:]
    private var index: ManifestIndex
    private var lastResourceVersion: Int64
    /// Writes since the store was opened (creates, updates, status updates, deletes); a resync that writes nothing
    /// leaves it unchanged.
    public private(set) var writeCount = 0
    /// Counts the writes made by the task it is bound to (and its child tasks), for callers reconciling several
    /// objects at once.
    @TaskLocal public static var tally: WriteTally?
    /// Keys with a write in flight, and who waits to write them next. A write holds its key from the precondition
    /// check until the file is renamed into place, so writes of one object land in order; writes of different
    /// objects run side by side on the file I/O threads (each still write-to-temp, fsync, rename).
    private var writing: [StoredObjectKey: [CheckedContinuation<Void, Never>]] = [:]

    /// Opens (or creates) a state folder and loads every object in it.
    ///
    /// `durability` decides how each state file is made durable before it is renamed into place: `keyward run` passes
    /// the group commit it shares with the file output.
    public init(stateDirectory: String, clock: any WallClock = SystemClock(),
                durability: Durability = .eachFile) throws(StandaloneStoreError) {
        self.stateDirectory = stateDirectory
        self.clock = clock
        self.durability = durability
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
    public func apply(_ manifests: [Manifest]) async throws(StandaloneStoreError) -> Set<StoredObjectKey> {
        let before = index
        let declared = Set(manifests.map(\.key))
        // Manifests are applied side by side: each waits for its own file, not for the others'.
        let results = await withTaskGroup(of: Result<StoredObjectKey?, StandaloneStoreError>.self) { group in
            for manifest in manifests {
                group.addTask {
                    do throws(StandaloneStoreError) { return .success(try await self.applyOne(manifest)) } catch { return .failure(error) }
                }
            }
            var results: [Result<StoredObjectKey?, StandaloneStoreError>] = []
            for await result in group { results.append(result) }
            return results
        }
        var changed: Set<StoredObjectKey> = []
        for result in results { if let key = try result.get() { changed.insert(key) } }
        for key in index.hashes.keys.sorted() where !declared.contains(key) {
            index.hashes[key] = nil
            if objects[key] != nil {
                await acquire(key)
                defer { release(key) }
                try await deleteObject(key)
                changed.insert(key)
            }
        }
        if index != before {
            // On the file I/O threads, as every state write: a grouped flush blocks its caller.
            let index = index, stateDirectory = stateDirectory, durability = durability
            try await HeavyWorkPool.fileIO.perform { () throws(StandaloneStoreError) in
                try index.save(stateDirectory: stateDirectory, durability: durability)
            }
        }
        return changed
    }

    /// Applies one manifest; its key when the object was created or changed.
    private func applyOne(_ manifest: Manifest) async throws(StandaloneStoreError) -> StoredObjectKey? {
        let hash = Self.hash(manifest.object)
        guard index.hashes[manifest.key] != hash || objects[manifest.key] == nil else { return nil }
        await acquire(manifest.key)
        defer { release(manifest.key) }
        if var existing = objects[manifest.key], existing[path: ["metadata", "deletionTimestamp"]] == nil {
            existing = Self.merge(manifest: manifest.object, into: existing)
            if existing != objects[manifest.key] { try await persist(bumpingVersionOf: existing, key: manifest.key) }
        } else {
            var fresh = manifest.object
            stampNew(&fresh)
            try await persist(bumpingVersionOf: fresh, key: manifest.key)
        }
        index.hashes[manifest.key] = hash
        return manifest.key
    }

    /// Keys of every stored object of a type.
    public func keys(resource: String) -> [StoredObjectKey] {
        objects.keys.filter { $0.resource == resource }.sorted()
    }

    // MARK: ResourceStore

    // Reads take the stored value out of the actor and decode it outside, so reconciles running side by side decode
    // on all cores rather than one at a time inside the actor; each object is decoded once per resourceVersion.

    public nonisolated func get<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws -> T? {
        guard let entry = await stored(T.self, namespace: namespace, name: name) else { return nil }
        return try await materialize(T.self, entry)
    }

    public nonisolated func list<T: KubernetesResource>(_ type: T.Type, namespace: String?, labels: [String: String]) async throws -> [T] {
        var objects: [T] = []
        for entry in await stored(T.self, namespace: namespace) {
            let object = try await materialize(T.self, entry)
            if labelsMatch(object.metadata.labels, labels) { objects.append(object) }
        }
        return objects
    }

    /// A stored object: already decoded as the type asked for, or its JSON to decode.
    private enum Entry: Sendable {
        case decoded(any Sendable)
        case raw(StoredObjectKey, JSONValue)
    }

    private nonisolated func materialize<T: KubernetesResource>(_ type: T.Type, _ entry: Entry) async throws -> T {
        switch entry {
        case .decoded(let object as T): return object
        case .decoded: throw StoreError.invalid(kind: T.kind, key: "", reason: "stored as another type")
        case .raw(let key, let value):
            let object = try Self.decode(T.self, from: value)
            await remember(object, key: key, value: value)
            return object
        }
    }

    private func entry(_ key: StoredObjectKey) -> Entry? {
        guard let value = objects[key] else { return nil }
        if let object = decoded[key] { return .decoded(object) }
        return .raw(key, value)
    }

    private func stored<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) -> Entry? {
        entry(key(T.self, namespace: namespace, name: name))
    }

    private func stored<T: KubernetesResource>(_ type: T.Type, namespace: String?) -> [Entry] {
        objects.keys.filter { $0.resource == T.qualifiedPlural && (namespace == nil || $0.namespace == namespace) }
            .sorted().compactMap { entry($0) }
    }

    /// Keeps a decoded object while its JSON is still the stored one (a write meanwhile makes it stale).
    private func remember(_ object: some Sendable, key: StoredObjectKey, value: JSONValue) {
        let version = value[path: ["metadata", "resourceVersion"]]
        guard let current = objects[key], current[path: ["metadata", "resourceVersion"]] == version else { return }
        decoded[key] = object
    }

    public nonisolated func create<T: KubernetesResource>(_ object: T) async throws -> T {
        let value = try await create(T.self, encoded: try Self.encode(object), namespace: object.metadata.namespace,
                                     name: object.metadata.name)
        return try await decodeStored(T.self, value)
    }

    /// Decodes what a write stored, and keeps it for the reads that follow.
    private nonisolated func decodeStored<T: KubernetesResource>(_ type: T.Type, _ value: JSONValue) async throws -> T {
        let object = try Self.decode(T.self, from: value)
        await remember(object, key: key(T.self, namespace: object.metadata.namespace, name: object.metadata.name), value: value)
        return object
    }

    private func create<T: KubernetesResource>(_ type: T.Type, encoded: JSONValue, namespace: String?, name: String) async throws -> JSONValue {
        let key = key(T.self, namespace: namespace, name: name)
        // The key becomes a path under the state folder: refuse what the API server would (e.g. "../x").
        if let problem = ObjectNames.nameProblem(key.name) {
            throw StoreError.invalid(kind: T.kind, key: key.description, reason: "metadata.name: \(problem)")
        }
        if let namespace = key.namespace, let problem = ObjectNames.namespaceProblem(namespace) {
            throw StoreError.invalid(kind: T.kind, key: key.description, reason: "metadata.namespace: \(problem)")
        }
        await acquire(key)
        defer { release(key) }
        guard objects[key] == nil else { throw StoreError.alreadyExists(kind: T.kind, key: key.description) }
        var value = encoded
        stampNew(&value)
        return try await persist(bumpingVersionOf: value, key: key)
    }

    public nonisolated func update<T: KubernetesResource>(_ object: T) async throws -> T {
        switch try await update(T.self, encoded: try Self.encode(object), namespace: object.metadata.namespace,
                                name: object.metadata.name, resourceVersion: object.metadata.resourceVersion) {
        case .unchanged: return object
        case .removed:
            var gone = object
            gone.metadata.finalizers = []
            return gone
        case .stored(let value): return try await decodeStored(T.self, value)
        }
    }

    private enum UpdateOutcome {
        case unchanged, removed
        case stored(JSONValue)
    }

    private func update<T: KubernetesResource>(_ type: T.Type, encoded: JSONValue, namespace: String?, name: String,
                                               resourceVersion: String?) async throws -> UpdateOutcome {
        let key = key(T.self, namespace: namespace, name: name)
        await acquire(key)
        defer { release(key) }
        let current = try existing(T.self, key: key, resourceVersion: resourceVersion)
        var value = encoded
        // The main resource never writes status, and server-owned metadata stays the server's.
        value["status"] = current["status"]
        for field in ["uid", "creationTimestamp", "deletionTimestamp", "generation"] {
            value[metadata: field] = current[path: ["metadata", field]]
        }
        if Self.specOf(value) != Self.specOf(current), current["spec"] != nil {
            value[metadata: "generation"] = .int((current[path: ["metadata", "generation"]]?.intValue ?? 1) + 1)
        }
        if value == current { return .unchanged }
        // An object being deleted is removed once its last finalizer is.
        if value[path: ["metadata", "deletionTimestamp"]] != nil,
            value[path: ["metadata", "finalizers"]]?.arrayValue?.isEmpty ?? true
        {
            try removeObject(key)
            return .removed
        }
        return .stored(try await persist(bumpingVersionOf: value, key: key))
    }

    public nonisolated func updateStatus<T: HasStatusSubresource>(_ object: T) async throws -> T {
        let object = SecretScrubber.scrubStatus(object)  // no key material in status, whoever built the message
        // Only the status is stored by this write: encoding the whole object to take its status was a third of the cost.
        let status = try object.status.map { try Self.encode($0) }
        let value = try await updateStatus(T.self, status: status, namespace: object.metadata.namespace,
                                           name: object.metadata.name, resourceVersion: object.metadata.resourceVersion)
        return try await decodeStored(T.self, value)
    }

    private func updateStatus<T: HasStatusSubresource>(_ type: T.Type, status: JSONValue?, namespace: String?, name: String,
                                                       resourceVersion: String?) async throws -> JSONValue {
        let key = key(T.self, namespace: namespace, name: name)
        await acquire(key)
        defer { release(key) }
        var value = try existing(T.self, key: key, resourceVersion: resourceVersion)
        if value["status"] == status { return value }
        value["status"] = status
        return try await persist(bumpingVersionOf: value, key: key)
    }

    public func delete<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws {
        let key = key(T.self, namespace: namespace, name: name)
        await acquire(key)
        defer { release(key) }
        guard objects[key] != nil else { throw StoreError.notFound(kind: T.kind, key: key.description) }
        try await deleteObject(key)
    }

    // MARK: Internals

    private nonisolated func key<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) -> StoredObjectKey {
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
    private func deleteObject(_ key: StoredObjectKey) async throws(StandaloneStoreError) {
        guard var value = objects[key] else { return }
        if let finalizers = value[path: ["metadata", "finalizers"]]?.arrayValue, !finalizers.isEmpty {
            guard value[path: ["metadata", "deletionTimestamp"]] == nil else { return }
            value[metadata: "deletionTimestamp"] = .string(KubeTime.format(clock.now))
            try await persist(bumpingVersionOf: value, key: key)
            return
        }
        try removeObject(key)
    }

    private func removeObject(_ key: StoredObjectKey) throws(StandaloneStoreError) {
        objects[key] = nil
        decoded[key] = nil
        writeCount += 1
        Self.tally?.add()
        try StateFiles.remove(key, stateDirectory: stateDirectory)
    }

    /// Waits until no other write holds `key`, then holds it; every write path calls this before its precondition
    /// check and ``release(_:)`` once the object is stored.
    private func acquire(_ key: StoredObjectKey) async {
        while writing[key] != nil {
            await withCheckedContinuation { writing[key, default: []].append($0) }
        }
        writing[key] = []
    }

    private func release(_ key: StoredObjectKey) {
        for waiter in writing.removeValue(forKey: key) ?? [] { waiter.resume() }
    }

    /// Stores `value` under the next resourceVersion: the file first (on the file I/O threads, so the actor serves
    /// other objects meanwhile), then memory. The caller holds `key`.
    @discardableResult
    private func persist(bumpingVersionOf value: JSONValue, key: StoredObjectKey) async throws(StandaloneStoreError) -> JSONValue {
        var value = value
        lastResourceVersion += 1
        value[metadata: "resourceVersion"] = .string(String(lastResourceVersion))
        let stored = value, path = StateFiles.path(key, stateDirectory: stateDirectory), durability = durability
        try await HeavyWorkPool.fileIO.perform { () throws(StandaloneStoreError) in
            try StateFiles.writeAtomically(stored.serialized(), to: path, durability: durability)
        }
        objects[key] = value
        decoded[key] = nil
        writeCount += 1
        Self.tally?.add()
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
        Hex.encode(SHA256.hash(data: value.serialized()))
    }

    static func encode<T: Encodable>(_ object: T) throws -> JSONValue {
        try JSONValue.parse(KubeJSON.makeEncoder().encode(object))
    }

    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try KubeJSON.decode(T.self, from: value)
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
