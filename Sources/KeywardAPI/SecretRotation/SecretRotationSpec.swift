import Foundation
import KeywardCore

extension SecretRotation {
    public struct Spec: Codable, Sendable, Hashable {
        /// The Secret (type Opaque) whose keys are rotated; created when missing. Keys not listed are left alone.
        public var secretName: String
        public var keys: [Key]
        /// Rotate this long after the previous rotation (e.g. `720h`). Exactly one of interval and schedule.
        public var interval: DurationString?
        public var schedule: Schedule?
        public var strategy: Strategy
        public var verify: Verify?
        public var rollback: Rollback
        public var consumers: Consumers
        /// Stop scheduled rotations (manual ones still run); an in-flight rotation finishes.
        public var suspend: Bool
        /// How many entries `status.history` keeps.
        public var historyLimit: Int
        /// Standalone mode: commands run after each promotion and rollback (the consumers when there is no cluster).
        public var onChange: [Hook]

        public static let defaultHistoryLimit = 10
        public static let minimumInterval = GoDuration.minutes(1)

        public init(secretName: String, keys: [Key], interval: DurationString? = nil, schedule: Schedule? = nil,
                    strategy: Strategy = Strategy(), verify: Verify? = nil, rollback: Rollback = Rollback(),
                    consumers: Consumers = Consumers(), suspend: Bool = false,
                    historyLimit: Int = Spec.defaultHistoryLimit, onChange: [Hook] = []) {
            self.secretName = secretName
            self.keys = keys
            self.interval = interval
            self.schedule = schedule
            self.strategy = strategy
            self.verify = verify
            self.rollback = rollback
            self.consumers = consumers
            self.suspend = suspend
            self.historyLimit = historyLimit
            self.onChange = onChange
        }

        /// Every data key the rotation writes values to (a basicAuth key writes three), in spec order.
        public var valueKeys: [String] { keys.flatMap(\.valueKeys) }

        /// When the rotation after one at `last` is due: `last + interval`, or the schedule's first firing after
        /// `last`. A firing missed while the controller was down is therefore due at once, and only once.
        /// nil when the spec is invalid or the schedule never fires.
        public func nextRotation(after last: Date) -> Date? {
            if let interval = interval?.duration, schedule == nil { return last + interval }
            if let schedule, interval == nil, let cron = try? CronSchedule(parsing: schedule.cron),
                let zone = TimeZone(identifier: schedule.timeZone)
            {
                return cron.next(after: last, in: zone)
            }
            return nil
        }

        enum CodingKeys: String, CodingKey {
            case secretName, keys, interval, schedule, strategy, verify, rollback, consumers, suspend, historyLimit
            case onChange
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            secretName = try c.decode(.secretName, or: "")
            keys = try c.decode(.keys, or: [])
            interval = try c.decodeIfPresent(.interval)
            schedule = try c.decodeIfPresent(.schedule)
            strategy = try c.decode(.strategy, or: Strategy())
            verify = try c.decodeIfPresent(.verify)
            rollback = try c.decode(.rollback, or: Rollback())
            consumers = try c.decode(.consumers, or: Consumers())
            suspend = try c.decode(.suspend, or: false)
            historyLimit = try c.decode(.historyLimit, or: Self.defaultHistoryLimit)
            onChange = try c.decode(.onChange, or: [])
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            if !secretName.isEmpty { try c.encode(secretName, forKey: .secretName) }
            try c.encodeUnlessEmpty(keys, forKey: .keys)
            try c.encodeIfPresent(interval, forKey: .interval)
            try c.encodeIfPresent(schedule, forKey: .schedule)
            try c.encode(strategy, forKey: .strategy)
            try c.encodeIfPresent(verify, forKey: .verify)
            try c.encode(rollback, forKey: .rollback)
            try c.encode(consumers, forKey: .consumers)
            try c.encode(suspend, forKey: .suspend)
            try c.encode(historyLimit, forKey: .historyLimit)
            try c.encodeUnlessEmpty(onChange, forKey: .onChange)
        }
    }

    /// A cron schedule in a time zone.
    public struct Schedule: Codable, Sendable, Hashable {
        /// Five-field cron (``CronSchedule``), e.g. `0 3 * * SUN`.
        public var cron: String
        /// IANA time zone name; default `UTC`.
        public var timeZone: String

        public init(cron: String, timeZone: String = "UTC") {
            self.cron = cron
            self.timeZone = timeZone
        }

        enum CodingKeys: String, CodingKey { case cron, timeZone }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            cron = try c.decode(.cron, or: "")
            timeZone = try c.decode(.timeZone, or: "UTC")
        }
    }

    /// A standalone-mode hook: argv executed (no shell) after each change of the Secret's values.
    public struct Hook: Codable, Sendable, Hashable {
        public var exec: [String]
        /// The hook is killed after this long; default 30s.
        public var timeout: DurationString

        public static let defaultTimeout: DurationString = "30s"

        public init(exec: [String], timeout: DurationString = Hook.defaultTimeout) {
            self.exec = exec
            self.timeout = timeout
        }

        enum CodingKeys: String, CodingKey { case exec, timeout }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            exec = try c.decode(.exec, or: [])
            timeout = try c.decode(.timeout, or: Self.defaultTimeout)
        }
    }
}
