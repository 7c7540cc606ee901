import Foundation
import KeywardCore
import KubernetesClient
import Logging

/// What an informer tells its handlers.
public enum InformerEvent<T: KubernetesResource>: Sendable {
    case added(T)
    case updated(old: T, new: T)
    case deleted(T)
    /// Periodic resync of a cached object (no API request behind it).
    case resync(T)

    public var object: T {
        switch self {
        case .added(let o), .deleted(let o), .resync(let o): o
        case .updated(_, let n): n
        }
    }
}

public struct InformerConfiguration: Sendable {
    public var scope: NamespaceSelector = .allNamespaces
    /// Exact-match labels the server filters by; Secrets are watched only through Keyward's own label so memory
    /// stays flat in clusters full of other Secrets.
    public var labelSelector: [String: String] = [:]
    /// How often every cached object is handed to the handlers again (no requests): 10 minutes.
    public var resyncInterval: TimeInterval = 600
    /// When set, list every interval instead of watching (API paths where watch is unavailable).
    public var pollInterval: TimeInterval?
    /// Server-side watch timeout; the watch then resumes from the last resourceVersion without a relist.
    public var watchTimeoutSeconds: Int = 300
    public var errorBackoff = Backoff(base: 0.5, cap: 30, jitter: 0.5)
    public var pageSize = 500

    public init(scope: NamespaceSelector = .allNamespaces, labelSelector: [String: String] = [:],
                resyncInterval: TimeInterval = 600, pollInterval: TimeInterval? = nil) {
        self.scope = scope
        self.labelSelector = labelSelector
        self.resyncInterval = resyncInterval
        self.pollInterval = pollInterval
    }
}

/// A list+watch cache of one resource type.
///
/// Lists once, then watches from the list's resourceVersion with bookmarks. A stream that ends or breaks resumes
/// from the last version seen; a 410 Gone relists (and reports the differences as events); other errors back off
/// with jitter. Handlers run in order on the informer's executor.
public actor Informer<T: KubernetesResource> {
    public nonisolated let configuration: InformerConfiguration
    private let client: KubernetesClient
    private let clock: any WallClock
    private let logger: Logger
    private var cache: [String: T] = [:]
    private var handlers: [@Sendable (InformerEvent<T>) async -> Void] = []
    private var synced = false
    private var lastResourceVersion: String?
    private var syncWaiters: [CheckedContinuation<Void, Never>] = []
    /// Counters for tests and benchmarks.
    public private(set) var listCount = 0
    public private(set) var watchCount = 0

    public init(client: KubernetesClient, configuration: InformerConfiguration = InformerConfiguration(),
                clock: any WallClock = SystemClock(), logger: Logger = Logger(label: "keyward.informer")) {
        self.client = client
        self.configuration = configuration
        self.clock = clock
        var logger = logger
        logger[metadataKey: "resource"] = "\(T.qualifiedPlural)"
        self.logger = logger
    }

    public func addHandler(_ handler: @escaping @Sendable (InformerEvent<T>) async -> Void) { handlers.append(handler) }

    public var hasSynced: Bool { synced }
    public var count: Int { cache.count }

    /// Suspends until the first list has been applied.
    public func waitForSync() async {
        if synced { return }
        await withCheckedContinuation { syncWaiters.append($0) }
    }

    public func cached(namespace: String?, name: String) -> T? { cache[Self.key(namespace, name)] }

    public func list(namespace: String?) -> [T] {
        guard let namespace else { return Array(cache.values) }
        return cache.values.filter { $0.metadata.namespace == namespace }
    }

    /// Whether every object of the type is visible to this informer (no label selector).
    public var coversAllObjects: Bool { configuration.labelSelector.isEmpty }

    /// Whether a query for `labels` is answered completely by this informer's selection.
    public func covers(labels: [String: String]) -> Bool {
        configuration.labelSelector.allSatisfy { labels[$0.key] == $0.value }
    }

    /// Records the result of our own write so reads see it before its watch event arrives.
    func observeWrite(_ object: T) {
        guard labelsMatch(object.metadata.labels, configuration.labelSelector) else { return }
        cache[Self.key(object.metadata.namespace, object.metadata.name)] = object
    }

    static func key(_ namespace: String?, _ name: String) -> String { namespace.map { "\($0)/\(name)" } ?? name }

    private var selectorString: String? {
        let s = configuration.labelSelector.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return s.isEmpty ? nil : s
    }

    // MARK: Running

    /// Runs until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.syncLoop() }
            // A zero interval disables resync; the sync loop alone then decides when the informer stops.
            if configuration.resyncInterval > 0 { group.addTask { await self.resyncLoop() } }
            await group.next()
            group.cancelAll()
        }
    }

    private func syncLoop() async {
        var needsList = true
        var failures = 0
        while !Task.isCancelled {
            do {
                if let poll = configuration.pollInterval {
                    try await relist()
                    failures = 0
                    try await clock.sleep(for: .seconds(poll))
                    continue
                }
                if needsList {
                    try await relist()
                    needsList = false
                }
                try await watchOnce()
                failures = 0
            } catch is CancellationError {
                return
            } catch let error as KubernetesError where error.isGone {
                logger.info("resourceVersion expired; relisting")
                needsList = true
            } catch {
                if Task.isCancelled { return }
                let delay = configuration.errorBackoff.delay(attempt: failures)
                failures += 1
                logger.warning("list/watch failed; retrying", metadata: ["error": "\(error)", "retryIn": "\(delay)"])
                do { try await clock.sleep(for: .seconds(delay)) } catch { return }
            }
        }
    }

    private func relist() async throws {
        let list = try await client.listAll(T.self, in: configuration.scope,
                                            options: ListOptions(labelSelector: selectorString, limit: configuration.pageSize))
        listCount += 1
        var fresh: [String: T] = [:]
        fresh.reserveCapacity(list.items.count)
        for item in list.items { fresh[Self.key(item.metadata.namespace, item.metadata.name)] = item }
        let old = cache
        cache = fresh
        lastResourceVersion = list.metadata.resourceVersion
        for (key, item) in fresh {
            if let previous = old[key] {
                if previous.metadata.resourceVersion != item.metadata.resourceVersion {
                    await dispatch(.updated(old: previous, new: item))
                }
            } else {
                await dispatch(.added(item))
            }
        }
        for (key, item) in old where fresh[key] == nil { await dispatch(.deleted(item)) }
        if !synced {
            synced = true
            let waiters = syncWaiters
            syncWaiters = []
            for waiter in waiters { waiter.resume() }
        }
    }

    private func watchOnce() async throws {
        let stream = try await client.watch(
            T.self, in: configuration.scope,
            options: WatchOptions(labelSelector: selectorString, resourceVersion: lastResourceVersion,
                                  allowBookmarks: true, timeoutSeconds: configuration.watchTimeoutSeconds))
        watchCount += 1
        for try await event in stream {
            try Task.checkCancellation()
            apply(event)
            if let rv = event.resourceVersion, !rv.isEmpty { lastResourceVersion = rv }
            await flushPending()
        }
    }

    private var pending: [InformerEvent<T>] = []

    private func apply(_ event: WatchEvent<T>) {
        switch event {
        case .bookmark: return
        case .added(let object), .modified(let object):
            let key = Self.key(object.metadata.namespace, object.metadata.name)
            if let previous = cache[key] {
                cache[key] = object
                // Our own writes are already cached: the echo of the same version changes nothing.
                if previous.metadata.resourceVersion != object.metadata.resourceVersion {
                    pending.append(.updated(old: previous, new: object))
                }
            } else {
                cache[key] = object
                pending.append(.added(object))
            }
        case .deleted(let object):
            let key = Self.key(object.metadata.namespace, object.metadata.name)
            let previous = cache.removeValue(forKey: key)
            pending.append(.deleted(previous ?? object))
        }
    }

    private func flushPending() async {
        let events = pending
        pending = []
        for event in events { await dispatch(event) }
    }

    private func dispatch(_ event: InformerEvent<T>) async {
        for handler in handlers { await handler(event) }
    }

    private func resyncLoop() async {
        guard configuration.resyncInterval > 0 else { return }
        while !Task.isCancelled {
            do { try await clock.sleep(for: .seconds(configuration.resyncInterval)) } catch { return }
            guard synced else { continue }
            for object in cache.values { await dispatch(.resync(object)) }
        }
    }
}
