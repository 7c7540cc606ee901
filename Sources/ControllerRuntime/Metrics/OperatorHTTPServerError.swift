import Foundation

/// Why the operator's HTTP endpoint could not serve.
public enum OperatorHTTPServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Binding failed: the port is taken or the host is not an address of this machine. `reason` is the system's.
    case cannotListen(address: MetricsAddress, reason: String)

    public var description: String {
        switch self {
        case .cannotListen(let address, let reason):
            "cannot listen on \(address) for metrics, health and the controllers' routes: \(reason); choose another address with "
                + "--metrics-address (port 0 picks a free one, 0 turns the endpoint off)"
        }
    }
}
