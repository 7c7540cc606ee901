import Foundation

/// The work queue's delayed keys: a binary min-heap on the deadline beside a dictionary holding each key's one
/// live deadline. Adding, replacing and dropping are O(log n) or O(1); the soonest deadline is O(1).
///
/// A flat dictionary scanned on every wake made a burst of N issuances cost O(N²): each issuance schedules its
/// renewal, and each schedule woke a loop that filtered and took the minimum of every pending deadline.
///
/// Replaced or dropped deadlines stay in the heap as stale entries, skipped when they surface; the heap is rebuilt
/// from the dictionary once stale entries outnumber live ones, so it stays within twice the live size.
public struct DeadlineHeap<Key: Hashable> {
    private struct Entry {
        var deadline: Date
        var key: Key
    }

    private var heap: [Entry] = []
    private var deadlines: [Key: Date] = [:]

    public init() {}

    /// Keys with a live deadline.
    public var count: Int { deadlines.count }

    /// Entries held, stale ones included: at most about twice ``count``.
    public var storedEntries: Int { heap.count }

    public subscript(key: Key) -> Date? { deadlines[key] }

    /// Sets `key`'s deadline, replacing any earlier one.
    public mutating func set(_ key: Key, _ deadline: Date) {
        deadlines[key] = deadline
        push(Entry(deadline: deadline, key: key))
        compactIfMostlyStale()
    }

    public mutating func remove(_ key: Key) {
        deadlines[key] = nil
    }

    /// The soonest live deadline.
    public mutating func soonest() -> Date? {
        dropStaleTop()
        return heap.first?.deadline
    }

    /// Removes and returns every key due at `now`, soonest first.
    public mutating func popDue(now: Date) -> [Key] {
        var due: [Key] = []
        while let top = soonest(), top <= now {
            let entry = pop()
            deadlines[entry.key] = nil
            due.append(entry.key)
        }
        return due
    }

    private func isLive(_ entry: Entry) -> Bool { deadlines[entry.key] == entry.deadline }

    private mutating func dropStaleTop() {
        while let top = heap.first, !isLive(top) { _ = pop() }
    }

    private mutating func compactIfMostlyStale() {
        guard heap.count > 64, heap.count > 2 * deadlines.count else { return }
        heap = deadlines.map { Entry(deadline: $0.value, key: $0.key) }
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    private mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func pop() -> Entry {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        return top
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var smallest = left
            if left + 1 < heap.count, heap[left + 1].deadline < heap[left].deadline { smallest = left + 1 }
            guard heap[smallest].deadline < heap[parent].deadline else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
