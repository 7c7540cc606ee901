import Foundation

/// What a ``LeaderElector`` reports as it happens, for metrics, readiness and logs.
public enum LeaderElectionEvent: Sendable, Hashable {
    case startedLeading
    /// Sent the moment leadership ends, before `whileLeading` has finished unwinding.
    case stoppedLeading
    /// The observed holder changed (`nil` when the Lease was released).
    case newLeader(String?)
}

/// A snapshot of what the elector last saw.
public struct LeaderElectionStatus: Sendable, Hashable {
    public var isLeader: Bool
    public var holderIdentity: String?
    public var leaseTransitions: Int?
    public var acquireTime: Date?
    public var renewTime: Date?
}
