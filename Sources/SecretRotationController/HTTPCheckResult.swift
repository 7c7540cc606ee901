import KubernetesClient

/// What a `spec.verify.http` request came to, in classes a tenant may see. Transport error text (which can carry
/// resolved addresses, certificate details or a proxy's words) never reaches status or Events; only the class does.
public enum HTTPCheckResult: Sendable, Hashable, CustomStringConvertible {
    case answered(status: Int)
    case timedOut
    /// Nothing accepted the connection (refused, unreachable, or no route).
    case refused
    case tlsFailure
    /// The target resolves only to addresses the operator's egress policy denies; no connection was made.
    case deniedByPolicy
    case unresolvable
    /// The connection broke or the answer was not HTTP (or its headers were too large).
    case connectionFailed

    init(_ error: TransportError) {
        self = switch error {
        case .timeout: .timedOut
        case .connect: .refused
        case .tls: .tlsFailure
        case .egressDenied: .deniedByPolicy
        case .dns: .unresolvable
        case .connectionLost, .other, .bodyTooLarge, .shutdown: .connectionFailed
        }
    }

    public var description: String {
        switch self {
        case .answered(let status): "answered \(status)"
        case .timedOut: "timed out"
        case .refused: "was refused (connection refused or unreachable)"
        case .tlsFailure: "failed the TLS handshake or certificate verification"
        case .deniedByPolicy: "is denied by the operator's egress policy"
        case .unresolvable: "has a host name that does not resolve"
        case .connectionFailed: "failed: the connection broke or the answer was not HTTP"
        }
    }
}
