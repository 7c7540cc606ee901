import Synchronization

/// A small thread-safe cache that forgets everything when full: for results that are cheap to recompute once and
/// costly to recompute on every reconcile (a parsed CA pair, an inspected leaf), keyed by a digest of their input.
///
/// Clearing rather than evicting one entry keeps it a dictionary and a lock. The bound matters: tenants decide how
/// many distinct inputs exist, so the cache serves the reconciles in flight, never the whole fleet.
public final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = Mutex<[Key: Value]>([:])
    public let limit: Int

    public init(limit: Int) { self.limit = max(1, limit) }

    public subscript(key: Key) -> Value? { entries.withLock { $0[key] } }

    public func insert(_ value: Value, for key: Key) {
        entries.withLock { entries in
            if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
    }
}
