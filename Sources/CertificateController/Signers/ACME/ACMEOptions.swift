import Foundation
import KeywardCore

/// What the operator gives every ACME issuer: the egress policy for tenant-chosen servers and names, the challenge
/// solvers it runs, and the pacing of orders.
public struct ACMEOptions: Sendable {
    /// The ACME server URL is tenant-chosen: every request to it is checked (defaults deny loopback, link-local...).
    public var egress: EgressPolicy
    public var solvers: ACMESolvers
    /// How long a presented challenge may fail its self-check before the order is given up (a clear condition
    /// instead of a failed validation that counts against the CA's limits).
    public var selfCheckTimeout: TimeInterval = 300
    /// How long one pass spends self-checking challenges (real time); the rest wait for the next pass. A tenant's
    /// Certificate with a hundred names whose checks each take their full timeout must not hold a worker for hours.
    public var selfCheckPassBudget: Duration = .seconds(30)
    /// How soon a pending order is looked at again when the server says nothing (no Retry-After).
    public var pollInterval: TimeInterval = 2
    /// Upper bound on a server's Retry-After for a pending order, so a hostile server cannot park a Certificate.
    public var maxPollInterval: TimeInterval = 600
    /// Shared clients (nonce pools, cached directories) and ARI answers.
    public let clients: ACMEClients
    /// Where each step is counted (`keyward_acme_steps_total`); nil counts nothing.
    public var metrics: ACMEMetrics?

    public init(egress: EgressPolicy = EgressPolicy(), solvers: ACMESolvers = ACMESolvers(), clients: ACMEClients = ACMEClients()) {
        self.egress = egress
        self.solvers = solvers
        self.clients = clients
    }
}
