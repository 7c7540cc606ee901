import Foundation
import KeywardCore
import KubernetesClient

/// Settings every controller of one operator shares: what is watched and how, queue limits, workers, the clock.
/// Controllers read them through ``ManagerBuilder`` when they register.
public struct ManagerOptions: Sendable {
    /// The namespaces watched (`--namespace`); ignored when `namespaces` is not empty.
    public var scope: NamespaceSelector = .allNamespaces
    /// When not empty, informers per namespace for just these (`--namespaces`), instead of `scope`.
    public var namespaces: [String] = []
    /// The labels marking objects the operator itself created and caches (``ManagerBuilder/ownedObjects(_:cachePolicy:)``).
    public var ownedLabelSelector: [String: String] = [:]
    /// Owned objects over this many bytes are cached as metadata only (`--max-cached-object-bytes`); nil caches
    /// them whole.
    public var maxCachedObjectBytes: Int?
    /// Workers per controller (`--concurrency`).
    public var concurrency = 4
    /// At most one manual trigger acted on per object per this many seconds (`--manual-trigger-interval`); 0 turns
    /// the limit off.
    public var manualTriggerInterval: TimeInterval = 30
    public var rateLimiter = RateLimiterConfiguration()
    /// When set, informers list every this many seconds instead of watching (`--poll-interval`).
    public var pollInterval: TimeInterval?
    /// How often every cached object is reconciled again without new requests (`--resync-interval`).
    public var resyncInterval: TimeInterval = 600
    public var clock: any WallClock = SystemClock()

    public init() {}
}
