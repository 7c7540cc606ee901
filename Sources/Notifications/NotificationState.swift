import Foundation

/// What outlives the process (in a ConfigMap in the cluster, a file in standalone mode): per (object, class) whether
/// it is active and when it last fired (the cooldown), and the dead letters. Bounded in both.
///
/// The transitions are pure functions of this state, the observed levels and a time, so every replica and every
/// restart decides the same from the same stored state.
public struct NotificationState: Sendable, Hashable, Codable {
    public struct Record: Sendable, Hashable, Codable {
        public var active: Bool
        /// When the current (or last) activation started.
        public var activeSince: Date?
        /// When a `firing` was last sent: the cooldown runs from here.
        public var lastFired: Date?
        /// A `firing` was sent for the current activation, so its end gets a `resolved`.
        public var announced: Bool

        public init(active: Bool = false, activeSince: Date? = nil, lastFired: Date? = nil, announced: Bool = false) {
            self.active = active
            self.activeSince = activeSince
            self.lastFired = lastFired
            self.announced = announced
        }
    }

    /// Records kept at most; the oldest inactive go first (an active one is dropped only if all are active).
    public static let maximumRecords = 5000
    /// And their size at most, as stored: a record is its key (object and class, up to ~330 bytes with the longest
    /// names) and about 110 bytes of JSON. The state is one ConfigMap (1 MiB, with the dead letters): tenants with
    /// long names must not be able to grow it past what the API server accepts, which would stop every notification.
    public static let maximumRecordBytes = 720 * 1024
    /// Dead letters kept at most; the oldest go first (counted in ``droppedDeadLetters``).
    public static let maximumDeadLetters = 100
    /// And their size at most (a letter carries its payload's message).
    public static let maximumDeadLetterBytes = 192 * 1024

    /// Keyed by ``key(_:_:)``.
    public var records: [String: Record] = [:]
    public var deadLetters: [DeadLetter] = []
    public var droppedDeadLetters: Int = 0

    public init() {}

    public static func key(_ object: NotificationObject, _ alertClass: AlertClass) -> String {
        "\(object)#\(alertClass.rawValue)"
    }

    /// Applies the observed levels of `classes` for `object` (a class in `classes` but not in `active` is inactive)
    /// and returns the notifications to send: `firing` for a class that became active unless it fired less than
    /// `cooldown` ago, `resolved` for one that ended after its `firing` was sent.
    public mutating func transitions(for object: NotificationObject, active: [AlertClass: String], classes: Set<AlertClass>,
                                     now: Date, cooldown: TimeInterval) -> [NotificationPayload] {
        var out: [NotificationPayload] = []
        for alertClass in AlertClass.allCases where classes.contains(alertClass) {
            let key = Self.key(object, alertClass)
            var record = records[key] ?? Record()
            let message = active[alertClass]
            switch (record.active, message) {
            case (false, let message?):
                record.active = true
                record.activeSince = now
                if record.lastFired.map({ now.timeIntervalSince($0) >= cooldown }) ?? true {
                    record.lastFired = now
                    record.announced = true
                    out.append(NotificationPayload(state: .firing, alertClass: alertClass, object: object, message: message,
                                                   occurredAt: now, activeSince: now))
                } else {
                    record.announced = false
                }
            case (true, nil):
                record.active = false
                if record.announced {
                    out.append(NotificationPayload(state: .resolved, alertClass: alertClass, object: object,
                                                   message: "\(alertClass.rawValue) no longer applies", occurredAt: now,
                                                   activeSince: record.activeSince))
                }
                record.announced = false
            default:
                break
            }
            records[key] = record
        }
        prune(now: now, cooldown: cooldown)
        return out
    }

    /// Adds a dead letter, dropping the oldest past the bound.
    public mutating func addDeadLetter(_ letter: DeadLetter) {
        deadLetters.removeAll { $0.payload.id == letter.payload.id && $0.target == letter.target }
        deadLetters.append(letter)
        var excess = max(0, deadLetters.count - Self.maximumDeadLetters)
        var bytes = deadLetters.dropFirst(excess).reduce(0) { $0 + Self.storedBytes($1) }
        while bytes > Self.maximumDeadLetterBytes, excess < deadLetters.count - 1 {
            bytes -= Self.storedBytes(deadLetters[excess])
            excess += 1
        }
        if excess > 0 {
            deadLetters.removeFirst(excess)
            droppedDeadLetters = droppedDeadLetters.addingReportingOverflow(excess).partialValue
        }
    }

    static func storedBytes(_ letter: DeadLetter) -> Int {
        (try? JSONEncoder().encode(letter).count) ?? maximumDeadLetterBytes
    }

    /// A record's size as stored, near enough: its key and its fields' JSON.
    static func storedBytes(key: String) -> Int { key.utf8.count + 112 }

    /// Inactive records whose cooldown is over carry no information any more; past the bound the oldest go.
    private mutating func prune(now: Date, cooldown: TimeInterval) {
        records = records.filter { _, record in
            record.active || record.lastFired.map { now.timeIntervalSince($0) < cooldown } ?? false
        }
        var bytes = records.keys.reduce(0) { $0 + Self.storedBytes(key: $1) }
        guard records.count > Self.maximumRecords || bytes > Self.maximumRecordBytes else { return }
        let ordered = records.sorted { a, b in
            if a.value.active != b.value.active { return !a.value.active }
            return (a.value.lastFired ?? a.value.activeSince ?? .distantPast) < (b.value.lastFired ?? b.value.activeSince ?? .distantPast)
        }
        for (key, _) in ordered where records.count > Self.maximumRecords || bytes > Self.maximumRecordBytes {
            records[key] = nil
            bytes -= Self.storedBytes(key: key)
        }
    }

    /// JSON as stored (RFC 3339 times).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> NotificationState {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(NotificationState.self, from: data)
    }
}
