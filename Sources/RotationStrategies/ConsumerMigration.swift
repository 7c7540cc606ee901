import Foundation

/// What a controller observed about one consumer workload.
public struct ConsumerObservation: Sendable, Hashable {
    /// `Kind/name`.
    public var id: String
    /// The revision stamp currently on its pod template (nil when never stamped).
    public var stamp: String?
    /// It has finished rolling out its current pod template (`kubectl rollout status` rules).
    public var rolledOut: Bool

    public init(id: String, stamp: String?, rolledOut: Bool) {
        self.id = id
        self.stamp = stamp
        self.rolledOut = rolledOut
    }
}

/// One Migrating step's verdict: which consumers to stamp now and whether the phase is over.
public struct MigrationDecision: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// Waiting for rollouts; the deadline is when the timeout policy applies.
        case inProgress(deadline: Date)
        /// Every consumer runs the new revision.
        case complete
        /// The deadline passed and the policy says promote: finish, recording the timeout.
        case timedOutPromote
        /// The deadline passed and the policy says roll back.
        case timedOutRollback
        /// The deadline passed but rollback is not automatic: hold (both values stay where the layout keeps both)
        /// until the consumers finish or a user rolls back.
        case timedOutHold
    }

    /// Consumers to stamp with the new revision now (never more than the free rollout slots).
    public var toRollOut: [String]
    /// Consumers running the new revision.
    public var migrated: [String]
    /// Consumers not yet running it (stamped and rolling, or waiting for a slot), in rollout order.
    public var pending: [String]
    public var outcome: Outcome
}

/// Rolls consumers onto a revision at most `maxConcurrent` at a time, like a careful operator would by hand.
public enum ConsumerMigration {
    /// - Parameters:
    ///   - consumers: in rollout order (spec order, then discovered ones by name).
    ///   - stamp: the new revision's stamp.
    ///   - deadline: when the timeout policy applies.
    public static func decide(consumers: [ConsumerObservation], stamp: String, maxConcurrent: Int, now: Date,
                              deadline: Date, policy: RotationPolicy) -> MigrationDecision {
        let migrated = consumers.filter { $0.stamp == stamp && $0.rolledOut }.map(\.id)
        let rolling = consumers.filter { $0.stamp == stamp && !$0.rolledOut }.map(\.id)
        let waiting = consumers.filter { $0.stamp != stamp }.map(\.id)
        let pending = rolling + waiting
        if pending.isEmpty {
            return MigrationDecision(toRollOut: [], migrated: migrated, pending: [], outcome: .complete)
        }
        let slots = max(0, max(1, maxConcurrent) - rolling.count)
        let next = Array(waiting.prefix(slots))
        guard now >= deadline else {
            return MigrationDecision(toRollOut: next, migrated: migrated, pending: pending,
                                     outcome: .inProgress(deadline: deadline))
        }
        let outcome: MigrationDecision.Outcome
        switch policy.onMigrationTimeout {
        case .promote: outcome = .timedOutPromote
        case .rollback:
            // Immediate keeps no previous value: there is nothing to restore, so the new value stays.
            if !policy.strategy.keepsPreviousValue { outcome = .timedOutPromote }
            else { outcome = policy.automaticRollback ? .timedOutRollback : .timedOutHold }
        }
        return MigrationDecision(toRollOut: outcome == .timedOutHold ? next : [], migrated: migrated,
                                 pending: pending, outcome: outcome)
    }
}
