import Foundation
import Synchronization

/// One copy of each value that many cached objects hold the same, such as the CA certificate in the `ca.crt` of
/// every Secret an issuer signed (10,000 such Secrets kept 10,000 copies, 6.5 MB in heaptrack), or a label key.
///
/// Only for public values: the pool keeps what it has seen until it is full, after the objects that held it are gone.
/// Full, it hands values back as they are, so a tenant who writes many distinct values grows it by at most
/// ``capacity`` values of at most the top of ``pooledSizes`` each.
public final class SharedValuePool<Value: Hashable & Sendable>: Sendable {
    public let capacity: Int
    /// Sizes (by ``size``) that are pooled. Strings of up to 15 bytes and `Data` of up to 14 are stored inline and have
    /// no storage to share; large values are passed through.
    public let pooledSizes: ClosedRange<Int>
    private let size: @Sendable (Value) -> Int
    private let values = Mutex<Set<Value>>([])

    public init(capacity: Int = 256, pooledSizes: ClosedRange<Int>, size: @escaping @Sendable (Value) -> Int) {
        self.capacity = capacity
        self.pooledSizes = pooledSizes
        self.size = size
    }

    /// `value`, or an equal value already in the pool (sharing its storage).
    public func shared(_ value: Value) -> Value {
        guard pooledSizes.contains(size(value)) else { return value }
        return values.withLock { pool in
            if let existing = pool.firstIndex(of: value) { return pool[existing] }
            if pool.count < capacity { pool.insert(value) }
            return value
        }
    }

    public var count: Int { values.withLock { $0.count } }
}

extension SharedValuePool where Value == Data {
    /// Byte strings such as CA certificates, up to 16 KiB (a bundle of a few certificates): a full pool holds 4 MiB.
    public convenience init(capacity: Int = 256) { self.init(capacity: capacity, pooledSizes: 15...(16 * 1024), size: \.count) }
}

extension SharedValuePool where Value == String {
    /// Short strings such as label keys, up to 253 bytes (the longest label key).
    public convenience init(capacity: Int = 256) { self.init(capacity: capacity, pooledSizes: 16...253, size: \.utf8.count) }
}
