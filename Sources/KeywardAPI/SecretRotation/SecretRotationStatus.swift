import Foundation
import KubernetesClient

extension SecretRotation {
    /// The rotation state machine's persisted state. Values never appear here, only hashes.
    public struct Status: Codable, Sendable, Hashable {
        /// `Ready` and `Rotating` (``SecretRotation/ConditionType``).
        public var conditions: [Condition]
        public var observedGeneration: Int64?
        public var phase: RotationPhase?
        /// When ``phase`` was entered; the Migrating deadline is this + `strategy.migrationTimeout`.
        public var phaseTransitionTime: Date?
        /// The committed revision: bumps on every promotion; starts at 1 with the first values.
        public var revision: Int?
        public var lastRotationTime: Date?
        public var nextRotationTime: Date?
        /// blueGreen: the side KEY currently mirrors.
        public var activeEnvironment: Environment?
        public var consumers: ConsumerStatus?
        /// SHA-256 (lower-case hex) over the candidate's values, written together with the candidate; lets a
        /// restarted controller recognise its own candidate in the Secret. Never the value itself.
        public var candidateHash: String?
        /// Consecutive failed rotation attempts; drives the retry backoff.
        public var failedAttempts: Int?
        public var nextRetryTime: Date?
        public var lastError: String?
        /// The last `keyward.dev/rotate` annotation value acted on.
        public var lastRotateRequest: String?
        /// The last `keyward.dev/rollback` annotation value acted on.
        public var lastRollbackRequest: String?
        /// Most recent first, at most `spec.historyLimit` entries.
        public var history: [HistoryEntry]

        public init(conditions: [Condition] = [], observedGeneration: Int64? = nil, phase: RotationPhase? = nil,
                    phaseTransitionTime: Date? = nil, revision: Int? = nil, lastRotationTime: Date? = nil,
                    nextRotationTime: Date? = nil, activeEnvironment: Environment? = nil,
                    consumers: ConsumerStatus? = nil, candidateHash: String? = nil, failedAttempts: Int? = nil,
                    nextRetryTime: Date? = nil, lastError: String? = nil, lastRotateRequest: String? = nil,
                    lastRollbackRequest: String? = nil, history: [HistoryEntry] = []) {
            self.conditions = conditions
            self.observedGeneration = observedGeneration
            self.phase = phase
            self.phaseTransitionTime = phaseTransitionTime
            self.revision = revision
            self.lastRotationTime = lastRotationTime
            self.nextRotationTime = nextRotationTime
            self.activeEnvironment = activeEnvironment
            self.consumers = consumers
            self.candidateHash = candidateHash
            self.failedAttempts = failedAttempts
            self.nextRetryTime = nextRetryTime
            self.lastError = lastError
            self.lastRotateRequest = lastRotateRequest
            self.lastRollbackRequest = lastRollbackRequest
            self.history = history
        }

        enum CodingKeys: String, CodingKey {
            case conditions, observedGeneration, phase, phaseTransitionTime, revision, lastRotationTime
            case nextRotationTime, activeEnvironment, consumers, candidateHash, failedAttempts, nextRetryTime
            case lastError, lastRotateRequest, lastRollbackRequest, history
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            conditions = try c.decode(.conditions, or: [])
            observedGeneration = try c.decodeIfPresent(.observedGeneration)
            phase = try c.decodeIfPresent(.phase)
            phaseTransitionTime = try c.decodeIfPresent(.phaseTransitionTime)
            revision = try c.decodeIfPresent(.revision)
            lastRotationTime = try c.decodeIfPresent(.lastRotationTime)
            nextRotationTime = try c.decodeIfPresent(.nextRotationTime)
            activeEnvironment = try c.decodeIfPresent(.activeEnvironment)
            consumers = try c.decodeIfPresent(.consumers)
            candidateHash = try c.decodeIfPresent(.candidateHash)
            failedAttempts = try c.decodeIfPresent(.failedAttempts)
            nextRetryTime = try c.decodeIfPresent(.nextRetryTime)
            lastError = try c.decodeIfPresent(.lastError)
            lastRotateRequest = try c.decodeIfPresent(.lastRotateRequest)
            lastRollbackRequest = try c.decodeIfPresent(.lastRollbackRequest)
            history = try c.decode(.history, or: [])
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeUnlessEmpty(conditions, forKey: .conditions)
            try c.encodeIfPresent(observedGeneration, forKey: .observedGeneration)
            try c.encodeIfPresent(phase, forKey: .phase)
            try c.encodeIfPresent(phaseTransitionTime, forKey: .phaseTransitionTime)
            try c.encodeIfPresent(revision, forKey: .revision)
            try c.encodeIfPresent(lastRotationTime, forKey: .lastRotationTime)
            try c.encodeIfPresent(nextRotationTime, forKey: .nextRotationTime)
            try c.encodeIfPresent(activeEnvironment, forKey: .activeEnvironment)
            try c.encodeIfPresent(consumers, forKey: .consumers)
            try c.encodeIfPresent(candidateHash, forKey: .candidateHash)
            try c.encodeIfPresent(failedAttempts, forKey: .failedAttempts)
            try c.encodeIfPresent(nextRetryTime, forKey: .nextRetryTime)
            try c.encodeIfPresent(lastError, forKey: .lastError)
            try c.encodeIfPresent(lastRotateRequest, forKey: .lastRotateRequest)
            try c.encodeIfPresent(lastRollbackRequest, forKey: .lastRollbackRequest)
            try c.encodeUnlessEmpty(history, forKey: .history)
        }
    }

    /// Migration progress of the current revision.
    public struct ConsumerStatus: Codable, Sendable, Hashable {
        public var total: Int
        public var migrated: Int
        /// `Kind/name` of consumers not yet rolled out onto the current revision.
        public var pending: [String]
        public var items: [ConsumerProgress]

        public init(total: Int = 0, migrated: Int = 0, pending: [String] = [], items: [ConsumerProgress] = []) {
            self.total = total
            self.migrated = migrated
            self.pending = pending
            self.items = items
        }

        enum CodingKeys: String, CodingKey { case total, migrated, pending, items }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            total = try c.decode(.total, or: 0)
            migrated = try c.decode(.migrated, or: 0)
            pending = try c.decode(.pending, or: [])
            items = try c.decode(.items, or: [])
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(total, forKey: .total)
            try c.encode(migrated, forKey: .migrated)
            try c.encodeUnlessEmpty(pending, forKey: .pending)
            try c.encodeUnlessEmpty(items, forKey: .items)
        }
    }

    /// One consumer's rollout onto a revision.
    public struct ConsumerProgress: Codable, Sendable, Hashable {
        public var kind: WorkloadKind
        public var name: String
        /// The revision hash set on the workload's pod template (``KeywardAnnotations/podTemplateRevision(secretName:)``).
        public var revision: String?
        /// The workload finished rolling out that revision (`kubectl rollout status` rules).
        public var rolledOut: Bool

        public init(kind: WorkloadKind, name: String, revision: String? = nil, rolledOut: Bool = false) {
            self.kind = kind
            self.name = name
            self.revision = revision
            self.rolledOut = rolledOut
        }

        enum CodingKeys: String, CodingKey { case kind, name, revision, rolledOut }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            kind = try c.decode(.kind, or: .deployment)
            name = try c.decode(.name, or: "")
            revision = try c.decodeIfPresent(.revision)
            rolledOut = try c.decode(.rolledOut, or: false)
        }
    }

    /// One finished rotation attempt.
    public struct HistoryEntry: Codable, Sendable, Hashable {
        /// The revision the attempt produced (or tried to produce).
        public var revision: Int
        public var time: Date
        public var result: RotationResult

        public init(revision: Int, time: Date, result: RotationResult) {
            self.revision = revision
            self.time = time
            self.result = result
        }
    }

    public enum RotationResult: String, Codable, Sendable, Hashable, CaseIterable {
        case rotated = "Rotated"
        case rolledBack = "RolledBack"
        case verificationFailed = "VerificationFailed"
        case migrationTimedOut = "MigrationTimedOut"
        case failed = "Failed"
    }
}
