/// Why a probe read no certificate: a class of failure, never libcurl's or OpenSSL's text (which can quote what the
/// other side sent), so it is safe for status, Events and metrics labels.
public enum ProbeFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Unreachable: String, Sendable, Hashable {
        case nameNotResolved = "the host name does not resolve"
        case connectionFailed = "the connection was refused or failed"
        case timedOut = "no TLS handshake within the timeout"
        /// Every address the host resolved to is denied by the egress policy; nothing was connected.
        case egressDenied = "the address is not allowed by the egress policy"
    }

    public enum TLS: String, Sendable, Hashable {
        case handshakeFailed = "the TLS handshake failed"
        case noCertificate = "the server sent no certificate"
        case chainTooLong = "the server sent more certificates than a probe reads"
        case certificateTooLarge = "the server sent a certificate larger than a probe reads"
        case unreadableCertificate = "the server sent a certificate that cannot be parsed"
    }

    case unreachable(Unreachable)
    case tls(TLS)

    public var isUnreachable: Bool { if case .unreachable = self { true } else { false } }

    /// The class in words, without the "unreachable" / "TLS error" prefix.
    public var reason: String {
        switch self {
        case .unreachable(let reason): reason.rawValue
        case .tls(let reason): reason.rawValue
        }
    }

    public var description: String { (isUnreachable ? "unreachable: " : "TLS error: ") + reason }
}
