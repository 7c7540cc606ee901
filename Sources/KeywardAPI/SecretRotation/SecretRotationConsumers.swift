extension SecretRotation {
    /// The workloads that read the Secret; their rollouts are the migration.
    public struct Consumers: Codable, Sendable, Hashable {
        public var workloads: [WorkloadReference]
        /// Also every Deployment, StatefulSet and DaemonSet in the namespace whose pod template references the
        /// Secret (volume, projected volume, env `secretKeyRef`, `envFrom`).
        public var discover: Bool
        /// How many consumers roll out at once; default 1 (one after another, never all at once).
        public var maxConcurrentRollouts: Int

        public init(workloads: [WorkloadReference] = [], discover: Bool = false, maxConcurrentRollouts: Int = 1) {
            self.workloads = workloads
            self.discover = discover
            self.maxConcurrentRollouts = maxConcurrentRollouts
        }

        /// Whether any consumer can exist (so the Migrating phase runs).
        public var isEmpty: Bool { workloads.isEmpty && !discover }

        enum CodingKeys: String, CodingKey { case workloads, discover, maxConcurrentRollouts }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            workloads = try c.decode(.workloads, or: [])
            discover = try c.decode(.discover, or: false)
            maxConcurrentRollouts = try c.decode(.maxConcurrentRollouts, or: 1)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeUnlessEmpty(workloads, forKey: .workloads)
            try c.encode(discover, forKey: .discover)
            try c.encode(maxConcurrentRollouts, forKey: .maxConcurrentRollouts)
        }
    }

    /// A workload in the SecretRotation's namespace.
    public struct WorkloadReference: Codable, Sendable, Hashable, CustomStringConvertible {
        public var kind: WorkloadKind
        public var name: String

        public init(kind: WorkloadKind, name: String) {
            self.kind = kind
            self.name = name
        }

        /// `Kind/name`, the form `status.consumers.pending` lists.
        public var description: String { "\(kind.rawValue)/\(name)" }
    }

    public struct WorkloadKind: SpecEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let deployment: WorkloadKind = "Deployment"
        public static let statefulSet: WorkloadKind = "StatefulSet"
        public static let daemonSet: WorkloadKind = "DaemonSet"
        public static let allowedValues: [WorkloadKind] = [.deployment, .statefulSet, .daemonSet]
    }
}
