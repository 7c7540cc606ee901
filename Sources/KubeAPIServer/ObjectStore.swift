import Foundation
import KeywardCore
import Logging

/// Everything stored: objects of every resource, the global resourceVersion counter, watch history and watchers.
///
/// One actor owns it all so a write, its resourceVersion, its history entry and its fan-out to watchers happen
/// atomically — the ordering guarantees etcd gives the real server.
actor ObjectStore {
    struct HistoryEntry: Sendable {
        var rv: Int64
        var key: String
        var type: WatchEventType
        /// The object after the change (for DELETED: its last state, carrying the deletion's resourceVersion).
        var object: JSONValue
        /// The stored object before the change (nil for ADDED).
        var previous: JSONValue?
    }

    struct Watcher {
        var key: String
        var namespace: String?
        var labels: LabelSelector
        var fields: FieldSelector
        var definition: ResourceDefinition
        var version: String
        var bookmarks: Bool
        var continuation: AsyncStream<WatchMessage>.Continuation
    }

    let historyLimit: Int
    let clock: any WallClock
    let rollout: RolloutSimulation
    let logger: Logger

    var definitions: [String: ResourceDefinition] = [:]
    /// definition key → object key (`namespace/name`, `/name` when cluster-scoped) → object (storage version).
    var objects: [String: [String: JSONValue]] = [:]
    /// uid → (definition key, object key): owner lookups for garbage collection.
    var uidIndex: [String: (key: String, objectKey: String)] = [:]
    /// owner uid → how many stored objects name it in ownerReferences, so a delete only wakes the collector when
    /// something depends on the deleted object.
    var dependentCounts: [String: Int] = [:]
    var currentRV: Int64 = 100
    var history: [HistoryEntry] = []
    /// Every event with a resourceVersion above this is still in `history`.
    var historyStart: Int64 = 100
    var watchers: [Int: Watcher] = [:]
    /// Each open watch's `timeoutSeconds` timer, cancelled when the watch ends earlier.
    var watchTimers: [Int: Task<Void, Never>] = [:]
    var nextWatcherID = 0
    var gcScheduled = false
    var reportedSkippedRules: Set<String> = []
    var bookmarkTask: Task<Void, Never>?
    var backgroundTasks: [Int: Task<Void, Never>] = [:]
    var nextTaskID = 0
    var isShutDown = false

    init(configuration: APIServerConfiguration, logger: Logger) {
        self.historyLimit = max(1, configuration.historyLimit)
        self.clock = configuration.clock
        self.rollout = configuration.rollout
        self.logger = logger
        for def in BuiltinResources.all { definitions[def.key] = def }
        let now = configuration.clock.now
        for ns in BuiltinResources.initialNamespaces {
            currentRV += 1
            let object: JSONValue = [
                "apiVersion": "v1", "kind": "Namespace",
                "metadata": [
                    "name": .string(ns), "uid": .string(UUID().uuidString.lowercased()),
                    "resourceVersion": .string(String(currentRV)), "creationTimestamp": .string(Timestamp.seconds(now)),
                    "labels": ["kubernetes.io/metadata.name": .string(ns)],
                ],
                "spec": ["finalizers": ["kubernetes"]], "status": ["phase": "Active"],
            ]
            objects["/namespaces", default: [:]]["/\(ns)"] = object
            uidIndex[object.uid] = ("/namespaces", "/\(ns)")
        }
        historyStart = currentRV
    }

    /// Starts the bookmark ticker (kept out of `init`: no unstructured work before the owner asks for it).
    func start(bookmarkInterval: Duration) {
        guard bookmarkTask == nil else { return }
        bookmarkTask = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: bookmarkInterval)
                await self?.emitBookmarks()
            }
        }
    }

    func shutdown() {
        isShutDown = true
        bookmarkTask?.cancel()
        for task in backgroundTasks.values { task.cancel() }
        backgroundTasks.removeAll()
        cutWatches()
    }

    /// Runs `operation` as a tracked background task (GC, rollouts, watch timeouts) cancelled at shutdown.
    func spawn(_ operation: @escaping @Sendable () async -> Void) {
        guard !isShutDown else { return }
        let id = nextTaskID
        nextTaskID += 1
        backgroundTasks[id] = Task { [weak self] in
            await operation()
            await self?.taskFinished(id)
        }
    }

    private func taskFinished(_ id: Int) { backgroundTasks[id] = nil }

    // MARK: Definitions

    func definitionsSnapshot() -> [ResourceDefinition] { Array(definitions.values) }

    func definition(group: String, version: String, plural: String) -> ResourceDefinition? {
        guard let def = definitions["\(group)/\(plural)"], def.versions.contains(version) else { return nil }
        return def
    }

    // MARK: Keys and presentation

    static func objectKey(namespace: String?, name: String) -> String { "\(namespace ?? "")/\(name)" }

    /// The object as a client of `version` sees it.
    func present(_ object: JSONValue, _ def: ResourceDefinition, _ version: String) -> JSONValue {
        var o = object
        o["apiVersion"] = .string(def.apiVersion(version))
        o["kind"] = .string(def.kind)
        return o
    }

    var now: Date { clock.now }

    // MARK: Committing

    /// Stores `object` (or removes it for DELETED) under a new resourceVersion, records history and notifies.
    @discardableResult
    func commit(_ type: WatchEventType, def: ResourceDefinition, objectKey: String, object: JSONValue,
                previous: JSONValue?) -> JSONValue
    {
        currentRV += 1
        var stored = object
        stored.set(["metadata", "resourceVersion"], .string(String(currentRV)))
        for owner in objects[def.key]?[objectKey].map(ObjectMeta.ownerUIDs) ?? [] {
            dependentCounts[owner, default: 0] -= 1
            if dependentCounts[owner] ?? 0 <= 0 { dependentCounts[owner] = nil }
        }
        if type != .deleted {
            for owner in ObjectMeta.ownerUIDs(stored) { dependentCounts[owner, default: 0] += 1 }
        }
        switch type {
        case .added, .modified:
            objects[def.key, default: [:]][objectKey] = stored
            uidIndex[stored.uid] = (def.key, objectKey)
        case .deleted:
            objects[def.key]?[objectKey] = nil
            uidIndex[stored.uid] = nil
        }
        let entry = HistoryEntry(rv: currentRV, key: def.key, type: type, object: stored, previous: previous)
        history.append(entry)
        if history.count > historyLimit + historyLimit / 4 + 16 {
            let drop = history.count - historyLimit
            historyStart = history[drop - 1].rv
            history.removeFirst(drop)
        }
        for (id, watcher) in watchers where watcher.key == def.key {
            if let message = Self.filter(entry, for: watcher) {
                if case .terminated = watcher.continuation.yield(message) { watchers[id] = nil }
            }
        }
        return stored
    }

    /// Forgets all history and moves the resourceVersion on, so every resourceVersion handed out so far is too old.
    func expireResourceVersions() {
        currentRV += 1
        history.removeAll()
        historyStart = currentRV
    }

    // MARK: Reads

    func get(_ def: ResourceDefinition, version: String, namespace: String?, name: String) throws(APIStatusError) -> JSONValue {
        guard let object = objects[def.key]?[Self.objectKey(namespace: namespace, name: name)] else {
            throw .notFound(def.groupResource, name)
        }
        return present(object, def, version)
    }

    struct ListOptions: Sendable {
        var labels = LabelSelector.everything
        var fields = FieldSelector.everything
        var limit: Int?
        var continueToken: String?
        var resourceVersion: String?
        var resourceVersionMatch: String?
    }

    struct ListResult: Sendable {
        var items: [JSONValue]
        var resourceVersion: Int64
        var continueToken: String?
        var remainingItemCount: Int?
    }

    func list(_ def: ResourceDefinition, version: String, namespace: String?, options: ListOptions) throws(APIStatusError) -> ListResult {
        var snapshotRV = currentRV
        var startAfter: String?
        if let token = options.continueToken, !token.isEmpty {
            let decoded = try ContinueToken.decode(token)
            if decoded.rv < historyStart {
                var error = APIStatusError.expired(
                    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
                error.listMetadata["continue"] = .string(ContinueToken.encode(rv: currentRV, start: decoded.start))
                throw error
            }
            snapshotRV = min(decoded.rv, currentRV)
            startAfter = decoded.start
        } else if options.resourceVersionMatch == "Exact", let text = options.resourceVersion {
            guard let rv = Int64(text) else { throw .badRequest("invalid resource version \"\(text)\"") }
            if rv < historyStart {
                throw .expired("too old resource version: \(rv) (\(historyStart))")
            }
            snapshotRV = min(rv, currentRV)
        }
        let source = snapshot(def.key, at: snapshotRV)
        var keys = source.keys.sorted()
        if let namespace { keys = keys.filter { $0.hasPrefix(namespace + "/") } }
        if let startAfter { keys = keys.filter { $0 > startAfter } }
        var items: [JSONValue] = []
        var continueToken: String?
        var remaining: Int?
        for (index, key) in keys.enumerated() {
            let object = source[key]!
            guard options.labels.matches(object.labels),
                  options.fields.matches(ResourceRules.fieldSet(object, def: def, version: version))
            else { continue }
            if let limit = options.limit, limit > 0, items.count == limit {
                continueToken = ContinueToken.encode(rv: snapshotRV, start: keys[index - 1])
                if options.labels.requirements.isEmpty && options.fields.requirements.isEmpty {
                    remaining = keys.count - index
                }
                break
            }
            items.append(present(object, def, version))
        }
        return ListResult(items: items, resourceVersion: snapshotRV, continueToken: continueToken, remainingItemCount: remaining)
    }

    /// The objects of one resource as they were at `rv`, rebuilt by undoing newer history.
    private func snapshot(_ key: String, at rv: Int64) -> [String: JSONValue] {
        var result = objects[key] ?? [:]
        guard rv < currentRV else { return result }
        for entry in history.reversed() {
            if entry.rv <= rv { break }
            guard entry.key == key else { continue }
            let objectKey = Self.objectKey(namespace: entry.object.namespace, name: entry.object.name)
            switch entry.type {
            case .added: result[objectKey] = nil
            case .modified, .deleted: result[objectKey] = entry.previous
            }
        }
        return result
    }

    // MARK: Watches

    struct WatchOptions: Sendable {
        var labels = LabelSelector.everything
        var fields = FieldSelector.everything
        var resourceVersion: String?
        var sendInitialEvents: Bool?
        var bookmarks = false
        var timeout: Duration = .seconds(1800)
    }

    /// Registers a watch and returns its stream; initial or replayed events are already queued in it.
    func watch(_ def: ResourceDefinition, version: String, namespace: String?, options: WatchOptions) throws(APIStatusError)
        -> (id: Int, stream: AsyncStream<WatchMessage>)
    {
        let (stream, continuation) = AsyncStream.makeStream(of: WatchMessage.self)
        let id = nextWatcherID
        nextWatcherID += 1
        let watcher = Watcher(key: def.key, namespace: namespace, labels: options.labels, fields: options.fields,
                              definition: def, version: version, bookmarks: options.bookmarks,
                              continuation: continuation)
        let rvText = options.resourceVersion ?? ""
        if options.sendInitialEvents == true || rvText.isEmpty || rvText == "0" {
            if options.sendInitialEvents != false {
                for (objectKey, object) in (objects[def.key] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    if let namespace, !objectKey.hasPrefix(namespace + "/") { continue }
                    if Self.matches(object, watcher) { continuation.yield(.event(.added, object)) }
                }
            }
            if options.sendInitialEvents == true && options.bookmarks {
                continuation.yield(.bookmark(currentRV, initialEventsEnd: true))
            }
        } else {
            guard let rv = Int64(rvText) else { throw .badRequest("invalid resource version \"\(rvText)\"") }
            if rv < historyStart {
                continuation.yield(.error(.expired("too old resource version: \(rv) (\(historyStart))")))
                continuation.finish()
                return (id, stream)
            }
            for entry in history where entry.rv > rv && entry.key == def.key {
                if let message = Self.filter(entry, for: watcher) { continuation.yield(message) }
            }
        }
        guard !isShutDown else {
            continuation.finish()
            return (id, stream)
        }
        watchers[id] = watcher
        let timeout = options.timeout
        watchTimers[id] = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            if Task.isCancelled { return }
            await self?.finishWatch(id)
        }
        return (id, stream)
    }

    func finishWatch(_ id: Int) {
        watchers.removeValue(forKey: id)?.continuation.finish()
        watchTimers.removeValue(forKey: id)?.cancel()
    }

    var openWatchCount: Int { watchers.count }

    /// Closes every open watch stream (clients must resume from their last resourceVersion).
    func cutWatches() {
        for watcher in watchers.values { watcher.continuation.finish() }
        watchers.removeAll()
        for timer in watchTimers.values { timer.cancel() }
        watchTimers.removeAll()
    }

    private func emitBookmarks() {
        for (id, watcher) in watchers where watcher.bookmarks {
            if case .terminated = watcher.continuation.yield(.bookmark(currentRV, initialEventsEnd: false)) {
                watchers[id] = nil
            }
        }
    }

    private static func matches(_ object: JSONValue, _ watcher: Watcher) -> Bool {
        if let ns = watcher.namespace, object.namespace != ns { return false }
        return watcher.labels.matches(object.labels)
            && watcher.fields.matches(ResourceRules.fieldSet(object, def: watcher.definition, version: watcher.version))
    }

    /// The event a watcher sees for a change, with the real server's selector transitions (leaving → DELETED,
    /// entering → ADDED).
    private static func filter(_ entry: HistoryEntry, for watcher: Watcher) -> WatchMessage? {
        let now = matches(entry.object, watcher)
        switch entry.type {
        case .added:
            return now ? .event(.added, entry.object) : nil
        case .deleted:
            let before = entry.previous.map { matches($0, watcher) } ?? now
            return before ? .event(.deleted, entry.object) : nil
        case .modified:
            let before = entry.previous.map { matches($0, watcher) } ?? false
            switch (before, now) {
            case (true, true): return .event(.modified, entry.object)
            case (false, true): return .event(.added, entry.object)
            case (true, false): return .event(.deleted, entry.object)
            case (false, false): return nil
            }
        }
    }

    // MARK: Logging rules outside the CEL subset

    func noteSkippedRules(_ rules: [String]) {
        for rule in rules where reportedSkippedRules.insert(rule).inserted {
            logger.notice("x-kubernetes-validations rule outside the supported CEL subset is not enforced", metadata: ["rule": "\(rule)"])
        }
    }
}

enum WatchEventType: String, Sendable {
    case added = "ADDED", modified = "MODIFIED", deleted = "DELETED"
}

/// What a watch stream carries to the HTTP layer.
enum WatchMessage: Sendable {
    case event(WatchEventType, JSONValue)
    case bookmark(Int64, initialEventsEnd: Bool)
    case error(APIStatusError)
}

/// The opaque `continue` token: the snapshot resourceVersion and the last key returned.
enum ContinueToken {
    static func encode(rv: Int64, start: String) -> String {
        let json: JSONValue = ["v": "meta.k8s.io/v1", "rv": .int(rv), "start": .string(start + "\u{0}")]
        return json.serialized().base64EncodedString()
    }

    static func decode(_ token: String) throws(APIStatusError) -> (rv: Int64, start: String) {
        guard let data = Data(base64Encoded: token), let json = try? JSONValue.parse(data),
              json["v"]?.stringValue == "meta.k8s.io/v1", let rv = json["rv"]?.intValue,
              var start = json["start"]?.stringValue
        else { throw .badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)") }
        if start.hasSuffix("\u{0}") { start.removeLast() }
        return (rv, start)
    }
}
