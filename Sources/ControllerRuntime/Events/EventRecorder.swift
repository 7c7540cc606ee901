import Foundation
import KeywardCore
import KubernetesClient
import KubernetesResources
import Logging

/// Records core/v1 Events about objects, aggregating repeats the way client-go's correlator does.
///
/// The same (object, type, reason, message) seen again within the aggregation window bumps `count` and
/// `lastTimestamp` of the Event already written (one merge patch, none while another write of it is in flight)
/// instead of creating another: a reconcile that fails every few seconds must not flood etcd. Similar Events (same
/// object, type and reason) past `similarBurstLimit` distinct messages in the window join one combined Event
/// (``SimilarEventAggregator``). Recording never throws; a failure is logged, because an Event that cannot be
/// written must never fail the reconcile that wanted to write it.
///
/// Under load, new Normal Events past a write budget (``NormalEventBudget``) are not written one by one: those of
/// one (namespace, kind, reason) within the budget's interval become one summary Event on the first of them,
/// naming the others. 10,000 issuances then cost about two writes each instead of three. Warnings are never shed.
public actor EventRecorder {
    /// How many new Normal Events per second are written one by one; the rest are summarised.
    public struct NormalEventBudget: Sendable, Hashable {
        public var perSecond: Double
        public var burst: Int
        /// How long the summary of shed Events collects before it is written.
        public var summaryInterval: TimeInterval

        public init(perSecond: Double = 10, burst: Int = 100, summaryInterval: TimeInterval = 10) {
            self.perSecond = perSecond
            self.burst = burst
            self.summaryInterval = summaryInterval
        }

        /// Objects a summary names before "…".
        public static let namedInSummary = 10
    }

    /// Normal Events shed in one summary interval.
    private struct ShedKey: Hashable {
        var namespace: String
        var kind: String
        var reason: String
    }

    private struct ShedGroup {
        var first: Event.ObjectReference
        var firstMessage: String
        var count = 0
        var names: [String] = []
    }

    /// What makes two recordings "the same Event".
    private struct Key: Hashable {
        var object: String
        var type: Event.EventType
        var reason: String
        /// nil for the combined Event of a burst of similar ones.
        var message: String?
    }

    private struct Entry {
        /// Distinguishes an entry from a later one under the same key (after the window passed).
        var id: UInt64
        var name: String
        var namespace: String
        var regarding: Event.ObjectReference
        /// The latest message (a combined Event shows its most recent member's).
        var message: String
        var count: Int
        var firstTimestamp: Date
        var lastTimestamp: Date
        var lastUsed: UInt64
        var created = false
        /// A write for this entry is in flight; later repeats only bump the count and leave a flag for the writer.
        var writing = false
        var dirty = false
    }

    public let component: String
    public let host: String?
    public let aggregationWindow: TimeInterval
    public let cacheCapacity: Int
    private let sink: any EventSink
    private let clock: any WallClock
    private let logger: Logger
    private var entries: [Key: Entry] = [:]
    private var similar: SimilarEventAggregator
    private var tick: UInt64 = 0
    private let normalBudget: NormalEventBudget?
    private var budget: TokenBucket?
    private var shed: [ShedKey: ShedGroup] = [:]

    /// Messages are cut to this many UTF-8 bytes (events.k8s.io's `note` limit), after scrubbing.
    public static let maxMessageBytes = 1024

    /// - Parameters:
    ///   - component: `source.component` and `reportingComponent` of every Event.
    ///   - host: `source.host`, usually the pod name.
    ///   - aggregationWindow: how long after the last occurrence a repeat still updates the same Event.
    ///   - cacheCapacity: how many distinct Events are remembered for aggregation (least recently used go first).
    ///   - similarBurstLimit: how many distinct messages for one (object, type, reason) within the window are
    ///     separate Events before further ones are combined into one (client-go's default is 10).
    public init(sink: any EventSink, component: String = "keyward-controller", host: String? = nil,
                clock: any WallClock = SystemClock(), aggregationWindow: TimeInterval = 600, cacheCapacity: Int = 4096,
                similarBurstLimit: Int = 10, normalBudget: NormalEventBudget? = NormalEventBudget(),
                logger: Logger = Logger(label: "keyward.events")) {
        self.normalBudget = normalBudget
        self.budget = normalBudget.map { TokenBucket(rate: $0.perSecond, burst: $0.burst) }
        self.sink = sink
        self.component = component
        self.host = host
        self.clock = clock
        self.aggregationWindow = aggregationWindow
        self.cacheCapacity = max(1, cacheCapacity)
        self.similar = SimilarEventAggregator(burstLimit: similarBurstLimit, window: aggregationWindow,
                                              capacity: self.cacheCapacity)
        self.logger = logger
    }

    /// How many distinct Events are currently remembered.
    public var trackedEventCount: Int { entries.count }

    /// How many (object, type, reason) groups are remembered for combining similar Events.
    public var trackedSimilarGroupCount: Int { similar.trackedGroupCount }

    /// Normal Events waiting in summaries (shed under load, not yet written).
    public var shedEventCount: Int { shed.values.reduce(0) { $0 + $1.count } }

    public func record<T: KubernetesResource>(_ type: Event.EventType, reason: String, message: String,
                                              regarding object: T) async {
        await record(type, reason: reason, message: message, regarding: Event.ObjectReference(object))
    }

    public func record(_ type: Event.EventType, reason: String, message: String,
                       regarding object: Event.ObjectReference) async {
        await record(type, reason: reason, message: message, regarding: object, budgeted: true)
    }

    private func record(_ type: Event.EventType, reason: String, message: String, regarding object: Event.ObjectReference,
                        budgeted: Bool) async {
        let scrubbed = SecretScrubber.scrub(message)
        var message = Self.truncate(scrubbed)
        let now = clock.now
        tick += 1
        let objectKey = object.uid ?? "\(object.apiVersion ?? "")/\(object.kind ?? "")/\(object.namespace ?? "")/\(object.name ?? "")"
        var key = Key(object: objectKey, type: type, reason: reason, message: message)
        let group = SimilarEventAggregator.GroupKey(object: objectKey, type: type, reason: reason)
        if !similar.isSeparate(group, message: message, now: now) {
            key.message = nil
            message = Self.truncate(SimilarEventAggregator.combinedPrefix + scrubbed)
        }

        let isRepeat = entries[key].map { now.timeIntervalSince($0.lastTimestamp) <= aggregationWindow } ?? false
        if budgeted, type == .normal, !isRepeat, var bucket = budget {
            let admitted = bucket.take(at: now)
            budget = bucket
            if !admitted {
                shedForSummary(object, reason: reason, message: message, now: now)
                return
            }
        }

        let id: UInt64
        if var entry = entries[key], now.timeIntervalSince(entry.lastTimestamp) <= aggregationWindow {
            entry.count += 1
            entry.message = message
            entry.lastTimestamp = max(entry.lastTimestamp, now)
            entry.lastUsed = tick
            if entry.writing {
                entry.dirty = true
                entries[key] = entry
                return
            }
            entry.writing = true
            entries[key] = entry
            id = entry.id
        } else {
            let entry = Entry(id: tick, name: eventName(for: object, at: now), namespace: object.namespace ?? "default",
                              regarding: object, message: message, count: 1, firstTimestamp: now, lastTimestamp: now,
                              lastUsed: tick, writing: true)
            entries[key] = entry
            id = entry.id
            evictIfNeeded(now: now)
        }
        await flush(key, id: id)
    }

    /// Adds a Normal Event over the budget to its group's summary; the first in a group schedules the summary.
    private func shedForSummary(_ object: Event.ObjectReference, reason: String, message: String, now: Date) {
        guard let normalBudget else { return }
        let key = ShedKey(namespace: object.namespace ?? "", kind: object.kind ?? "", reason: reason)
        var group = shed[key] ?? ShedGroup(first: object, firstMessage: message)
        let isNew = group.count == 0
        group.count += 1
        if group.names.count < NormalEventBudget.namedInSummary, let name = object.name { group.names.append(name) }
        shed[key] = group
        guard isNew else { return }
        let clock = self.clock
        let deadline = now.addingTimeInterval(normalBudget.summaryInterval)
        Task {
            try? await clock.sleep(until: deadline)
            await self.writeSummary(key)
        }
    }

    /// Writes a shed group's summary Event on its first object (outside the budget: one per group and interval).
    private func writeSummary(_ key: ShedKey) async {
        guard let group = shed.removeValue(forKey: key), let normalBudget else { return }
        let others = group.count - 1
        var message = group.firstMessage
        if others > 0 {
            let listed = group.names.dropFirst().joined(separator: ", ")
            let more = group.count > group.names.count ? ", …" : ""
            message += " (and \(others) more \(key.kind) \(key.reason) Event\(others == 1 ? "" : "s") in this namespace within "
                + "\(Int(normalBudget.summaryInterval.rounded())) s, summarised under load: \(listed)\(more))"
        }
        await record(.normal, reason: key.reason, message: message, regarding: group.first, budgeted: false)
    }

    /// Writes the entry, then again while repeats arrived during the write; stops at the first failure (the next
    /// repeat retries).
    private func flush(_ key: Key, id: UInt64) async {
        while var entry = entries[key], entry.id == id {
            entry.dirty = false
            entries[key] = entry
            let event = makeEvent(key, entry)
            var written = true
            do {
                if entry.created { try await sink.update(event) } else { try await sink.create(event) }
            } catch .notFound where entry.created {
                // Expired on the server: write it again under the same name, keeping the count.
                do { try await sink.create(event) } catch { written = false; warn(error, key) }
            } catch {
                written = false
                warn(error, key)
            }
            guard var current = entries[key], current.id == id else { return }
            if written { current.created = true }
            if !written || !current.dirty {
                current.writing = false
                entries[key] = current
                return
            }
            entries[key] = current
        }
    }

    private func makeEvent(_ key: Key, _ entry: Entry) -> Event {
        Event(metadata: ObjectMeta(name: entry.name, namespace: entry.namespace), involvedObject: entry.regarding,
              reason: key.reason, message: entry.message, type: key.type, count: entry.count,
              firstTimestamp: entry.firstTimestamp, lastTimestamp: entry.lastTimestamp,
              source: Event.Source(component: component, host: host))
    }

    private func warn(_ error: EventSinkError, _ key: Key) {
        logger.warning("cannot record event", metadata: ["reason": "\(key.reason)", "error": "\(error)"])
    }

    /// `<object>.<hex>` like client-go, with a per-recorder sequence mixed in so a frozen test clock stays unique.
    private func eventName(for object: Event.ObjectReference, at now: Date) -> String {
        let nanos = UInt64(max(0, now.timeIntervalSince1970) * 1_000_000_000)
        let suffix = String(nanos &+ tick, radix: 16)
        let base = (object.name?.isEmpty == false ? object.name! : "keyward").prefix(252 - suffix.count)
        return "\(base).\(suffix)"
    }

    /// Drops entries past the window, then the least recently used, keeping in-flight ones.
    private func evictIfNeeded(now: Date) {
        guard entries.count > cacheCapacity else { return }
        entries = entries.filter { $0.value.writing || now.timeIntervalSince($0.value.lastTimestamp) <= aggregationWindow }
        guard entries.count > cacheCapacity else { return }
        // Evict down to 3/4 so the sort is paid once per many insertions.
        let target = cacheCapacity * 3 / 4
        let victims = entries.filter { !$0.value.writing }.sorted { $0.value.lastUsed < $1.value.lastUsed }
            .prefix(entries.count - target)
        for victim in victims { entries[victim.key] = nil }
    }

    static func truncate(_ message: String) -> String {
        guard message.utf8.count > maxMessageBytes else { return message }
        var cut = ""
        var bytes = 0
        for character in message {
            let size = character.utf8.count
            if bytes + size > maxMessageBytes - 3 { break }
            cut.append(character)
            bytes += size
        }
        return cut + "…"
    }
}
