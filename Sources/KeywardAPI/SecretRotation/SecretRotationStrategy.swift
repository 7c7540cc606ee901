import RotationStrategies

extension SecretRotation {
    /// How a new value replaces the old one. The Secret layouts are in ``SecretLayout`` and docs/secret-rotation.md.
    public struct Strategy: Codable, Sendable, Hashable {
        public var type: StrategyType
        /// How long the Migrating phase (consumer rollouts) may last before ``Rollback/onMigrationTimeout``
        /// decides; with dualWrite this bounds how long both values stay valid. Default 5m.
        public var migrationTimeout: DurationString

        public static let defaultMigrationTimeout: DurationString = "5m"

        public init(type: StrategyType = .immediate, migrationTimeout: DurationString = Strategy.defaultMigrationTimeout) {
            self.type = type
            self.migrationTimeout = migrationTimeout
        }

        enum CodingKeys: String, CodingKey { case type, migrationTimeout }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = try c.decode(.type, or: .immediate)
            migrationTimeout = try c.decode(.migrationTimeout, or: Self.defaultMigrationTimeout)
        }
    }

    /// `spec.strategy.type` as written. Any string decodes, so an unknown one becomes a validation error naming the
    /// field instead of an undecodable object; the strategies themselves (their values, meaning and Secret layouts)
    /// are defined once, by RotationStrategies' ``StrategyKind``.
    public struct StrategyType: SpecEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ kind: StrategyKind) { self.init(rawValue: kind.rawValue) }

        /// The strategy, or nil for a value validation rejects.
        public var kind: StrategyKind? { StrategyKind(rawValue: rawValue) }

        public static let immediate = StrategyType(.immediate)
        public static let staged = StrategyType(.staged)
        public static let dualWrite = StrategyType(.dualWrite)
        public static let blueGreen = StrategyType(.blueGreen)
        public static let allowedValues: [StrategyType] = StrategyKind.allCases.map(StrategyType.init)
    }

    /// The two sides of a blueGreen Secret (`status.activeEnvironment`): RotationStrategies' ``Side``.
    public typealias Environment = Side

    public struct Rollback: Codable, Sendable, Hashable {
        /// Restore the previous value automatically when verification or migration fails.
        public var automatic: Bool
        public var onMigrationTimeout: MigrationTimeoutPolicy

        public init(automatic: Bool = true, onMigrationTimeout: MigrationTimeoutPolicy = .rollback) {
            self.automatic = automatic
            self.onMigrationTimeout = onMigrationTimeout
        }

        enum CodingKeys: String, CodingKey { case automatic, onMigrationTimeout }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            automatic = try c.decode(.automatic, or: true)
            onMigrationTimeout = try c.decode(.onMigrationTimeout, or: .rollback)
        }
    }

    public struct MigrationTimeoutPolicy: SpecEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Keep the new value and finish (dualWrite: drop `KEY.previous`); stragglers may fail until they restart.
        public static let promote: MigrationTimeoutPolicy = "promote"
        /// Restore the previous value; the rotation is recorded as MigrationTimedOut and retried with backoff.
        public static let rollback: MigrationTimeoutPolicy = "rollback"
        public static let allowedValues: [MigrationTimeoutPolicy] = [.promote, .rollback]
    }
}
