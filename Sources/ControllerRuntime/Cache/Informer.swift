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
    /// When not empty, one list+watch per namespace instead of `scope` (`keyward controller --namespaces a,b`): the
    /// operator then needs access to those namespaces only.
    public var namespaces: [String] = []
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
    /// Consecutive 401/403 answers before the first sync that end the informer with
    /// ``InformerStartupError/accessDenied(resource:scope:detail:)``.
    public var deniedAttemptsBeforeFailure = 4
    public var pageSize = 500

    public init(scope: NamespaceSelector = .allNamespaces, namespaces: [String] = [], labelSelector: [String: String] = [:],
                resyncInterval: TimeInterval = 600, pollInterval: TimeInterval? = nil) {
        self.scope = scope
        self.namespaces = namespaces
        self.labelSelector = labelSelector
        self.resyncInterval = resyncInterval
        self.pollInterval = pollInterval
    }

    /// What each list+watch covers: the namespaces of `namespaces`, else `scope`.
    var scopes: [NamespaceSelector] { namespaces.isEmpty ? [scope] : namespaces.map { .namespace($0) } }
}

/// A list+watch cache of one resource type.
///
/// Lists once, then watches from the list's resourceVersion with bookmarks. A stream that ends or breaks resumes
/// from the last version seen; a 410 Gone relists (and reports the differences as events); other errors back off
/// with jitter. Handlers run in order on the informer's executor. With several namespaces, each has its own
/// list+watch loop over the one cache.
///
/// A ``CachePolicy`` decides what is kept of each object: fields nobody reads are dropped, and an object over its
/// size bound is kept as metadata only and marked truncated (see ``entry(namespace:name:)``).
public actor Informer<T: KubernetesResource> {
    public nonisolated let configuration: InformerConfiguration
    private let client: KubernetesClient
    private let clock: any WallClock
    private let logger: Logger
    private let policy: CachePolicy<T>?
    private var cache = ObjectTable<T>()
    /// Keys whose cached object is metadata only (over the policy's size bound).
    private var truncated: Set<String> = []
    private var handlers: [@Sendable (InformerEvent<T>) async -> Void] = []
    /// Handlers that also see this process's own writes (whose watch echo changes nothing, so `handlers` never do).
    private var writeHandlers: [@Sendable (InformerEvent<T>) async -> Void] = []
    private var synced = false
    private var syncedScopes: Set<Int> = []
    private var lastResourceVersions: [Int: String] = [:]
    private var syncWaiters: [CheckedContinuation<Void, Never>] = []
    /// `run()` has returned.
    private var stopped = false
    /// The versions of this process's own writes, so the watch passes over their echoes undecoded.
    private let echoes = WatchEchoFilter()
    /// Counters for tests and benchmarks.
    public private(set) var listCount = 0
    public private(set) var watchCount = 0

    public init(client: KubernetesClient, configuration: InformerConfiguration = InformerConfiguration(),
                cachePolicy: CachePolicy<T>? = nil,
                clock: any WallClock = SystemClock(), logger: Logger = Logger(label: "keyward.informer")) {
        self.client = client
        self.configuration = configuration
        self.policy = cachePolicy
        self.clock = clock
        var logger = logger
        logger[metadataKey: "resource"] = "\(T.qualifiedPlural)"
        self.logger = logger
    }

    public func addHandler(_ handler: @escaping @Sendable (InformerEvent<T>) async -> Void) { handlers.append(handler) }

    /// Like ``addHandler(_:)``, and also called for every write made through the store in this process (an observer
    /// of status changes, such as notifications, needs the controller's own status writes; a controller's queue must
    /// not, or each write would reconcile again).
    public func addHandlerIncludingOwnWrites(_ handler: @escaping @Sendable (InformerEvent<T>) async -> Void) {
        handlers.append(handler)
        writeHandlers.append(handler)
    }

    public var hasSynced: Bool { synced }
    /// Echoes of this process's writes the watch has not passed over yet (tests and benchmarks).
    public nonisolated var pendingEchoes: Int { echoes.count }
    /// The newest resourceVersion the watch (or list) of the first scope has reached (tests).
    public var lastSeenVersion: String? { lastResourceVersions[0] }
    public var count: Int { cache.count }

    /// Suspends until the first list has been applied, or until the informer stopped without one (cancelled, or
    /// ``startupFailure``).
    public func waitForSync() async {
        if synced || stopped { return }
        await withCheckedContinuation { syncWaiters.append($0) }
    }

    /// Suspends until the first list has been applied; throws when the informer gave up before that. Returns
    /// without a sync when the informer was cancelled first.
    public func waitUntilSynced() async throws(InformerStartupError) {
        await waitForSync()
        if let startupFailure { throw startupFailure }
    }

    /// Why the informer gave up before its first sync: the server does not serve the resource (its CRD is
    /// missing), which no retry fixes.
    public private(set) var startupFailure: InformerStartupError?

    /// The cached object; nil when absent or cached as metadata only (read those with ``entry(namespace:name:)``).
    public func cached(namespace: String?, name: String) -> T? {
        let key = Self.key(namespace, name)
        return truncated.contains(key) ? nil : cache[key]
    }

    /// The cached object and whether it is metadata only (its payload was over the cache policy's bound).
    public func entry(namespace: String?, name: String) -> (object: T, truncated: Bool)? {
        let key = Self.key(namespace, name)
        return cache[key].map { ($0, truncated.contains(key)) }
    }

    /// Objects cached as metadata only.
    public var truncatedCount: Int { truncated.count }

    /// Whether a namespace is watched at all (always, without a `namespaces` list).
    public func watches(namespace: String?) -> Bool {
        configuration.namespaces.isEmpty || namespace.map(configuration.namespaces.contains) == true
    }

    /// Cached objects, without those cached as metadata only (``truncatedObjects(namespace:)`` lists them).
    public func list(namespace: String?) -> [T] {
        cache.entries.compactMap { key, object in
            truncated.contains(key) || (namespace != nil && object.metadata.namespace != namespace) ? nil : object
        }
    }

    /// The metadata-only entries (payload over the cache policy's bound) of a namespace, or of all.
    public func truncatedObjects(namespace: String?) -> [T] {
        truncated.compactMap { cache[$0] }.filter { namespace == nil || $0.metadata.namespace == namespace }
    }

    /// Whether every object of the type is visible to this informer (no label selector).
    public var coversAllObjects: Bool { configuration.labelSelector.isEmpty }

    /// Whether a query for `labels` is answered completely by this informer's selection.
    public func covers(labels: [String: String]) -> Bool {
        configuration.labelSelector.allSatisfy { labels[$0.key] == $0.value }
    }

    // MARK: Own writes

    /// Marks a write of this process to the object as in flight until ``endWrite(_:namespace:name:)``. Its watch
    /// event may outrun the write's response; until the response tells its version, a watch event for the object
    /// updates the cache but its notification is held.
    func beginWrite(namespace: String?, name: String) {
        writesInFlight[Self.key(namespace, name), default: 0] += 1
    }

    /// Ends a write begun with ``beginWrite(namespace:name:)``; `written` is the server's answer, nil when the write
    /// failed. When the written version is the only one the watch brought meanwhile, the held notification is the
    /// write's own echo: only the handlers that follow own writes get it (a controller's queue would reconcile its
    /// own write again). Anything else held includes someone else's change and goes to every handler.
    func endWrite(_ written: T?, namespace: String?, name: String) async {
        let key = Self.key(namespace, name)
        let remaining = (writesInFlight[key] ?? 1) - 1
        writesInFlight[key] = remaining > 0 ? remaining : nil
        let seen = (remaining > 0 ? versionsSeenWhileWriting[key] : versionsSeenWhileWriting.removeValue(forKey: key)) ?? []
        let version = written?.metadata.resourceVersion
        // The watch delivers versions in order: once it brought the written one, the cache holds that or newer, and
        // caching the response would put an older version back.
        let watchedAlready = version.map(seen.contains) ?? false
        let relisted = remaining > 0 ? relistedWhileWriting.contains(key) : relistedWhileWriting.remove(key) != nil
        if let written, !watchedAlready, !relisted { await observeWrite(written) }
        guard remaining <= 0, let held = heldEvents.removeValue(forKey: key) else { return }
        if let version, seen == [version] {
            for handler in writeHandlers { await handler(held) }
        } else {
            await dispatch(held)
        }
    }

    /// Two changes to one object as one notification: from the first's old state to the second's new one.
    private static func merge(_ first: InformerEvent<T>, then second: InformerEvent<T>) -> InformerEvent<T> {
        switch (first, second) {
        case (.added, _): .added(second.object)
        case (.updated(let old, _), _): .updated(old: old, new: second.object)
        default: second
        }
    }

    /// Records the result of our own write so reads see it before its watch event arrives.
    private func observeWrite(_ object: T) async {
        guard labelsMatch(object.metadata.labels, configuration.labelSelector),
              watches(namespace: object.metadata.namespace) else { return }
        let key = Self.key(object.metadata.namespace, object.metadata.name)
        let previous = cache[key]
        let kept = store(object, at: key)
        if let version = object.metadata.resourceVersion {
            echoes.expect(namespace: object.metadata.namespace, name: object.metadata.name, resourceVersion: version)
        }
        guard !writeHandlers.isEmpty, previous?.metadata.resourceVersion != object.metadata.resourceVersion else { return }
        let event: InformerEvent<T> = previous.map { .updated(old: $0, new: kept) } ?? .added(kept)
        for handler in writeHandlers { await handler(event) }
    }

    /// Puts what the cache policy admits of `object` under `key`.
    @discardableResult
    private func store(_ object: T, at key: String) -> T {
        guard let policy else {
            cache[key] = object
            return object
        }
        let (kept, isTruncated) = policy.admit(object)
        cache[key] = kept
        if isTruncated { truncated.insert(key) } else { truncated.remove(key) }
        return kept
    }

    private func remove(_ key: String) -> T? {
        truncated.remove(key)
        return cache.removeValue(forKey: key)
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
            for index in configuration.scopes.indices { group.addTask { await self.syncLoop(index) } }
            // A zero interval disables resync; the sync loop alone then decides when the informer stops.
            if configuration.resyncInterval > 0 { group.addTask { await self.resyncLoop() } }
            await group.next()
            group.cancelAll()
        }
        stopped = true
        resumeSyncWaiters()
    }

    private func resumeSyncWaiters() {
        let waiters = syncWaiters
        syncWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    private func syncLoop(_ index: Int) async {
        var needsList = true
        var failures = 0
        var denials = 0
        while !Task.isCancelled {
            do {
                if let poll = configuration.pollInterval {
                    try await relist(index)
                    failures = 0
                    try await clock.sleep(for: .seconds(poll))
                    continue
                }
                if needsList {
                    try await relist(index)
                    needsList = false
                }
                try await watchOnce(index)
                failures = 0
            } catch is CancellationError {
                return
            } catch let error as KubernetesError where error.isNotFound && !synced {
                // Before the first sync a 404 means the resource is not served at all: fail, never retry forever.
                startupFailure = .resourceNotServed(resource: T.qualifiedPlural, detail: error.description)
                logger.debug("the API server does not serve this resource; giving up", metadata: ["error": "\(error)"])
                return
            } catch let error as KubernetesError where error.isAccessDenied && !synced
                        && denials + 1 >= configuration.deniedAttemptsBeforeFailure {
                // Refused every time before the first sync: the RBAC is missing, which retrying at warning level
                // would hide behind a pod that is never ready. A few attempts first: a fresh RoleBinding takes a moment.
                startupFailure = .accessDenied(resource: T.qualifiedPlural, scope: configuration.scopes[index].name.map { "namespace \($0)" } ?? "all namespaces",
                                               detail: error.description)
                logger.debug("the API server refuses this resource; giving up", metadata: ["error": "\(error)"])
                return
            } catch let error as KubernetesError where error.isGone {
                logger.info("resourceVersion expired; relisting")
                needsList = true
            } catch {
                if Task.isCancelled { return }
                if let error = error as? KubernetesError, error.isAccessDenied { denials += 1 } else { denials = 0 }
                let delay = configuration.errorBackoff.delay(attempt: failures)
                failures += 1
                logger.warning("list/watch failed; retrying", metadata: ["error": "\(error)", "retryIn": "\(delay)"])
                do { try await clock.sleep(for: .seconds(delay)) } catch { return }
            }
        }
    }

    private func relist(_ index: Int) async throws {
        let scope = configuration.scopes[index]
        // Page by page, each admitted by the cache policy before the next is read, into a table of its own: a relist
        // holds one page of whole objects at a time (tenants can label large Secrets into this selection), and an
        // object whose version did not change shares the cached one's box instead of being held twice. The cache is
        // left as it is until the last page arrived, so readers never see a half-replaced scope, and a failed page
        // changes nothing.
        var incoming = ObjectTable<T>()
        var incomingTruncated: Set<String> = []
        var fresh: [String] = []
        var options = ListOptions(labelSelector: selectorString, limit: configuration.pageSize)
        var version: String?
        repeat {
            let page = try await client.list(T.self, in: scope, options: options)
            if version == nil { version = page.metadata.resourceVersion ?? "" }
            for item in page.unreadable { reportUnreadable(item) }
            for item in page.items {
                let key = Self.key(item.metadata.namespace, item.metadata.name)
                guard incoming[key] == nil else { continue }  // listed twice: the first stands
                fresh.append(key)
                if let version = item.metadata.resourceVersion, cache[key]?.metadata.resourceVersion == version {
                    incoming.share(key, from: cache)
                    if truncated.contains(key) { incomingTruncated.insert(key) }
                } else if let policy {
                    let (kept, isTruncated) = policy.admit(item)
                    incoming[key] = kept
                    if isTruncated { incomingTruncated.insert(key) }
                } else {
                    incoming[key] = item
                }
            }
            options.continue = page.metadata.continue
        } while options.continue.map { !$0.isEmpty } ?? false

        // Only this scope's part of the cache is replaced: other namespaces have their own loops.
        let inScope: (T) -> Bool = { object in scope.name.map { object.metadata.namespace == $0 } ?? true }
        var old = ObjectTable<T>()
        for (key, item) in cache.entries where inScope(item) {
            old.move(key, from: &cache)
            truncated.remove(key)
        }
        for key in fresh {
            cache.move(key, from: &incoming)
            if incomingTruncated.contains(key) { truncated.insert(key) }
            // A write of ours in flight may answer with an older version than this list's: its response must not
            // be cached over it (the watch, resumed from the list, brings whatever is newer).
            if writesInFlight[key] != nil { relistedWhileWriting.insert(key) }
        }
        listCount += 1
        lastResourceVersions[index] = version
        for key in fresh {
            // What the cache holds now: the listed object, or a write of ours made while handlers ran.
            guard let item = cache[key] else { continue }
            if let previous = old[key] {
                if previous.metadata.resourceVersion != item.metadata.resourceVersion {
                    await dispatch(.updated(old: previous, new: item))
                }
            } else {
                await dispatch(.added(item))
            }
        }
        let listed = Set(fresh)
        for (key, item) in old.entries where !listed.contains(key) { await dispatch(.deleted(item)) }
        syncedScopes.insert(index)
        if !synced, syncedScopes.count == configuration.scopes.count {
            synced = true
            resumeSyncWaiters()
        }
    }

    private func watchOnce(_ index: Int) async throws {
        let stream = try await client.watch(
            T.self, in: configuration.scopes[index],
            options: WatchOptions(labelSelector: selectorString, resourceVersion: lastResourceVersions[index],
                                  allowBookmarks: true, timeoutSeconds: configuration.watchTimeoutSeconds),
            echoes: echoes)
        watchCount += 1
        for try await event in stream {
            try Task.checkCancellation()
            apply(event)
            if let rv = event.resourceVersion, !rv.isEmpty { lastResourceVersions[index] = rv }
            await flushPending()
        }
    }

    private var pending: [InformerEvent<T>] = []
    /// Writes of this process in flight per cache key, and the notification held for each meanwhile.
    private var writesInFlight: [String: Int] = [:]
    private var heldEvents: [String: InformerEvent<T>] = [:]
    private var versionsSeenWhileWriting: [String: Set<String>] = [:]
    /// Keys a relist replaced while a write of ours was in flight.
    private var relistedWhileWriting: Set<String> = []
    /// Objects already reported unreadable, by key and reason: each is logged once, not at every relist.
    private var reportedUnreadable: [String: String] = [:]

    /// An object the server holds but nobody can decode: logged at error level once per object and reason, with
    /// why. It is not in the cache, so no controller acts on it until it changes.
    private func reportUnreadable(_ item: UnreadableItem) {
        let key = item.name.map { Self.key(item.namespace, $0) } ?? "?"
        guard reportedUnreadable[key] != item.reason else { return }
        if reportedUnreadable.count >= 1024 { reportedUnreadable.removeAll() }
        reportedUnreadable[key] = item.reason
        logger.error("an object cannot be read and is ignored until it changes", metadata: ["object": "\(item)"])
    }

    private func apply(_ event: WatchEvent<T>) {
        switch event {
        case .bookmark: return
        case .added(let object), .modified(let object):
            let key = Self.key(object.metadata.namespace, object.metadata.name)
            let change: InformerEvent<T>
            if let previous = cache[key] {
                let kept = store(object, at: key)
                // Our own writes are already cached: the echo of the same version changes nothing.
                guard previous.metadata.resourceVersion != object.metadata.resourceVersion else { return }
                change = .updated(old: previous, new: kept)
            } else {
                change = .added(store(object, at: key))
            }
            if writesInFlight[key] != nil {
                heldEvents[key] = heldEvents[key].map { Self.merge($0, then: change) } ?? change
                if let version = object.metadata.resourceVersion { versionsSeenWhileWriting[key, default: []].insert(version) }
            } else {
                pending.append(change)
            }
        case .deleted(let object):
            let key = Self.key(object.metadata.namespace, object.metadata.name)
            if let held = heldEvents.removeValue(forKey: key) { pending.append(held) }
            let previous = remove(key)
            pending.append(.deleted(previous ?? policy.map { $0.admit(object).stored } ?? object))
        case .unreadable(let item, _):
            reportUnreadable(item)
            // Acting on the last version read would act on a spec that no longer is: the object leaves the cache
            // (handlers see it go) until a version that can be read arrives.
            guard let name = item.name else { return }
            let key = Self.key(item.namespace, name)
            if let held = heldEvents.removeValue(forKey: key) { pending.append(held) }
            if let previous = remove(key) { pending.append(.deleted(previous)) }
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
            for (_, object) in cache.entries { await dispatch(.resync(object)) }
        }
    }
}
