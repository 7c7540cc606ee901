import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a replica competes for the leader Lease. The defaults are controller-runtime's (15 s / 10 s / 2 s).
///
/// The three durations nest: a leader gives up after `renewDeadline` without a successful renewal, which is shorter
/// than `leaseDuration`, the time others wait before taking over; so a leader that cannot reach the API server
/// stops reconciling before anyone else starts.
public struct LeaderElectionConfiguration: Sendable, Hashable {
    /// Namespace of the Lease (`--leader-election-namespace`).
    public var namespace: String
    /// Name of the Lease.
    public var name: String
    /// Unique per process: a restarted pod must not mistake its predecessor's Lease for its own.
    public var identity: String
    /// How long a Lease stays valid after its last renewal, in seconds.
    public var leaseDuration: TimeInterval
    /// How long the leader keeps trying to renew before it stops leading, in seconds.
    public var renewDeadline: TimeInterval
    /// Wait between attempts to acquire or renew, in seconds.
    public var retryPeriod: TimeInterval

    public init(namespace: String, name: String = "keyward-controller", identity: String = Self.defaultIdentity(),
                leaseDuration: TimeInterval = 15, renewDeadline: TimeInterval = 10, retryPeriod: TimeInterval = 2) {
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.leaseDuration = leaseDuration
        self.renewDeadline = renewDeadline
        self.retryPeriod = retryPeriod
    }

    /// Acquire retries are stretched by up to this factor so replicas that started together do not poll in step.
    static let jitterFactor = 1.2

    /// `hostname_uuid`, as controller-runtime builds it.
    public static func defaultIdentity() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        return (host.isEmpty ? "keyward" : host) + "_" + UUID().uuidString.lowercased()
    }

    /// The same checks client-go makes, so a misconfiguration fails at start instead of flapping leadership.
    public func validate() throws(LeaderElectionError) {
        func invalid(_ reason: String) -> LeaderElectionError { .invalidConfiguration(reason) }
        if namespace.isEmpty { throw invalid("the Lease namespace is empty") }
        if name.isEmpty { throw invalid("the Lease name is empty") }
        if identity.isEmpty { throw invalid("the identity is empty") }
        if !(retryPeriod > 0) { throw invalid("retryPeriod must be positive") }
        if !(leaseDuration > renewDeadline) { throw invalid("leaseDuration must be greater than renewDeadline") }
        if !(renewDeadline > Self.jitterFactor * retryPeriod) {
            throw invalid("renewDeadline must be greater than \(Self.jitterFactor) × retryPeriod")
        }
    }
}
