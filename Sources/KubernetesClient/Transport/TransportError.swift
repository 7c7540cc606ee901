import Foundation

/// Failures below HTTP: the request never produced a status code.
public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    case dns(host: String, detail: String)
    case connect(url: String, detail: String)
    case tls(url: String, detail: String)
    case timeout(url: String)
    /// The connection broke after it was established (e.g. the server closed a stream mid-response).
    case connectionLost(url: String, detail: String)
    case other(url: String, curlCode: Int, detail: String)
    /// Every address the target resolved to is denied by the request's ``EgressPolicy``; no connection was made.
    case egressDenied(url: String)
    /// The response body passed the request's ``HTTPRequest/maxBodyBytes``; the rest was not read.
    case bodyTooLarge(url: String, limit: Int)
    case shutdown

    public var description: String {
        switch self {
        case .dns(let host, let d): "cannot resolve host \(host): \(d)"
        case .connect(let url, let d): "cannot connect to \(url): \(d)"
        case .tls(let url, let d): "TLS failure talking to \(url): \(d)"
        case .timeout(let url): "request to \(url) timed out"
        case .connectionLost(let url, let d): "connection to \(url) lost: \(d)"
        case .other(let url, let code, let d): "transfer to \(url) failed (curl \(code)): \(d)"
        case .egressDenied(let url): "\(url) resolves only to addresses the egress policy denies"
        case .bodyTooLarge(let url, let limit): "the response from \(url) is larger than \(limit) bytes"
        case .shutdown: "the HTTP transport has shut down"
        }
    }

    /// Whether retrying the same idempotent request may succeed.
    public var isRetryable: Bool {
        switch self {
        case .dns, .connect, .timeout, .connectionLost, .other: true
        case .tls, .egressDenied, .bodyTooLarge, .shutdown: false
        }
    }
}
