import Foundation
import KeywardCore

/// What happens when consumers have not all rolled out by the migration deadline.
public enum MigrationTimeoutPolicy: String, Sendable, Hashable, CaseIterable, Codable {
    /// Keep the new value and finish; stragglers may fail until they restart.
    case promote
    /// Restore the previous value and record the attempt as failed.
    case rollback
}

/// Everything about a SecretRotation's spec the state machine needs, as plain values.
public struct RotationPolicy: Sendable, Hashable {
    public var strategy: StrategyKind
    /// `spec.verify` is set: the candidate passes through Verifying before promotion.
    public var verifies: Bool
    /// Consumers may exist: promotion is followed by Migrating.
    public var tracksConsumers: Bool
    public var migrationTimeout: TimeInterval
    public var onMigrationTimeout: MigrationTimeoutPolicy
    /// Restore a promoted value by itself when migration times out with the rollback policy. When false the
    /// machine holds in Migrating (both values kept where the layout has both) until consumers finish or a user
    /// rolls back.
    public var automaticRollback: Bool
    public var maxConcurrentRollouts: Int
    /// Delay before a failed rotation is retried: deterministic (no jitter) because it is shown in status.
    public var retryBackoff: Backoff

    public static let defaultRetryBackoff = Backoff(base: 60, cap: 3600, jitter: 0)

    public init(strategy: StrategyKind, verifies: Bool = false, tracksConsumers: Bool = false,
                migrationTimeout: TimeInterval = 300, onMigrationTimeout: MigrationTimeoutPolicy = .rollback,
                automaticRollback: Bool = true, maxConcurrentRollouts: Int = 1,
                retryBackoff: Backoff = RotationPolicy.defaultRetryBackoff) {
        self.strategy = strategy
        self.verifies = verifies
        self.tracksConsumers = tracksConsumers
        self.migrationTimeout = migrationTimeout
        self.onMigrationTimeout = onMigrationTimeout
        self.automaticRollback = automaticRollback
        self.maxConcurrentRollouts = max(1, maxConcurrentRollouts)
        self.retryBackoff = retryBackoff
    }

    /// The delay after `failures` consecutive failed attempts (1 = the first).
    public func retryDelay(afterFailures failures: Int) -> TimeInterval {
        retryBackoff.ceiling(attempt: max(0, failures - 1))
    }
}
