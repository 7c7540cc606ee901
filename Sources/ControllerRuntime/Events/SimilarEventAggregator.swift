import Foundation
import KubernetesResources

/// Collapses bursts of similar Events — same object, type and reason, different messages — the way client-go's
/// EventAggregator does: the first `burstLimit` distinct messages within `window` stay separate Events, every
/// further one goes into a single combined Event per (object, type, reason).
///
/// A value type owned by ``EventRecorder``'s actor; memory is bounded by `capacity` groups of at most `burstLimit`
/// messages each, the least recently used group going first.
struct SimilarEventAggregator {
    /// What makes two Events "similar": everything but the message (the source is the recorder's own).
    struct GroupKey: Hashable {
        var object: String
        var type: Event.EventType
        var reason: String
    }

    private struct Group {
        var messages: Set<String> = []
        var lastSeen: Date
        var lastUsed: UInt64
    }

    /// Prefix of a combined Event's message, as client-go writes it.
    static let combinedPrefix = "(combined from similar events): "

    let burstLimit: Int
    let window: TimeInterval
    let capacity: Int
    private var groups: [GroupKey: Group] = [:]
    private var tick: UInt64 = 0

    init(burstLimit: Int, window: TimeInterval, capacity: Int) {
        self.burstLimit = max(1, burstLimit)
        self.window = window
        self.capacity = max(1, capacity)
    }

    /// How many groups are remembered.
    var trackedGroupCount: Int { groups.count }

    /// Whether an Event with `message` in `key`'s group is written on its own (false: it joins the combined Event).
    mutating func isSeparate(_ key: GroupKey, message: String, now: Date) -> Bool {
        tick += 1
        var group = groups[key].flatMap { now.timeIntervalSince($0.lastSeen) <= window ? $0 : nil }
            ?? Group(lastSeen: now, lastUsed: tick)
        group.lastSeen = max(group.lastSeen, now)
        group.lastUsed = tick
        let separate: Bool
        if group.messages.contains(message) {
            separate = true
        } else if group.messages.count < burstLimit {
            group.messages.insert(message)
            separate = true
        } else {
            separate = false
        }
        let isNew = groups[key] == nil
        groups[key] = group
        if isNew { evictIfNeeded(now: now) }
        return separate
    }

    /// Drops groups past the window, then the least recently used, down to 3/4 of the capacity.
    private mutating func evictIfNeeded(now: Date) {
        guard groups.count > capacity else { return }
        groups = groups.filter { now.timeIntervalSince($0.value.lastSeen) <= window }
        guard groups.count > capacity else { return }
        let victims = groups.sorted { $0.value.lastUsed < $1.value.lastUsed }.prefix(groups.count - capacity * 3 / 4)
        for victim in victims { groups[victim.key] = nil }
    }
}
