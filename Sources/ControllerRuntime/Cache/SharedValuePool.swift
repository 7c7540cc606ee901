import Foundation
import Synchronization

/// One copy of each value that many cached objects hold the same, such as the CA certificate in the `ca.crt` of
/// every Secret an issuer signed (10,000 such Secrets kept 10,000 copies, 6.5 MB in heaptrack), or a label key.
///
/// Only for public values: the pool keeps what it has seen until it is full, after the objects that held it are gone.
/// Full, it hands values back as they are, so a tenant who writes many distinct values grows it by at most
/// ``capacity`` values of at most ``maxValueBytes`` each.
public final class SharedValuePool<Value: Hashable & Sendable>: Sendable {
    public let capacity: Int
    /// Values larger than this (by ``size``) are never pooled.
    public let maxValueBytes: Int
    private let size: @Sendable (Value) -> Int
    private let values = Mutex<Set<Value>>([])

    public init(capacity: Int = 256, maxValueBytes: Int, size: @escaping @Sendable (Value) -> Int) {
        self.capacity = capacity
        self.maxValueBytes = maxValueBytes
        self.size = size
    }

    /// `value`, or an equal value already in the pool (sharing its storage).
    public func shared(_ value: Value) -> Value {
        guard size(value) <= maxValueBytes else { return value }
        return values.withLock { pool in
            if let existing = pool.firstIndex(of: value) { return pool[existing] }
            if pool.count < capacity { pool.insert(value) }
            return value
        }
    }

    public var count: Int { values.withLock { $0.count } }
}

extension SharedValuePool where Value == Data {
    /// Byte strings of up to 64 KiB.
    public convenience init(capacity: Int = 256) { self.init(capacity: capacity, maxValueBytes: 64 * 1024, size: \.count) }
}

extension SharedValuePool where Value == String {
    /// Short strings such as label keys. Up to 15 UTF-8 bytes a Swift string is stored inline and has nothing to
    /// share, so those are passed through without a lookup.
    public convenience init(capacity: Int = 256) { self.init(capacity: capacity, maxValueBytes: 253, size: \.utf8.count) }

    public func sharedIfLong(_ value: String) -> String { value.utf8.count > 15 ? shared(value) : value }
}
