/// Cached objects by key, each in a box of its own.
///
/// A dictionary stores its values inline and keeps up to twice as many slots as entries, and a Certificate is over a
/// kilobyte inline: the Certificate cache of 10,000 objects held 16,384 slots of it, 18 MiB (heaptrack), and a
/// relist built two more such tables beside it. Boxed, a slot is one pointer and the boxes take what the objects
/// need; a relist moves boxes instead of copying objects.
struct ObjectTable<T: Sendable>: Sendable {
    private final class Box: Sendable {
        let object: T
        init(_ object: T) { self.object = object }
    }

    private var boxes: [String: Box] = [:]

    subscript(key: String) -> T? {
        get { boxes[key]?.object }
        set { boxes[key] = newValue.map(Box.init) }
    }

    @discardableResult
    mutating func removeValue(forKey key: String) -> T? { boxes.removeValue(forKey: key)?.object }

    /// Moves the entry under `key` out of `other` into this table, without copying the object.
    mutating func move(_ key: String, from other: inout ObjectTable<T>) {
        boxes[key] = other.boxes.removeValue(forKey: key)
    }

    /// Puts `other`'s entry under `key` in this table as well: both hold the one box, the object is not copied.
    mutating func share(_ key: String, from other: ObjectTable<T>) {
        boxes[key] = other.boxes[key]
    }

    var count: Int { boxes.count }

    /// The entries as they are now (later changes to the table do not show), read one at a time.
    var entries: some Sequence<(key: String, value: T)> { boxes.lazy.map { ($0.key, $0.value.object) } }
}
