import Foundation

/// Why an ACME operation failed. Descriptions name the URL and the server's words; never key material.
public enum ACMEError: Error, Sendable, CustomStringConvertible {
    /// The server answered with a problem document (description: the problem verbatim).
    case problem(ACMEProblem, url: String)
    /// `rateLimited`: the caller backs off until `retryAfter` (the server's Retry-After, when it sent one).
    case rateLimited(ACMEProblem, url: String, retryAfter: Date?)
    /// Every attempt met `badNonce`.
    case badNonceRetriesExhausted(url: String, attempts: Int)
    /// No HTTP status: DNS, connect, TLS, timeout, egress denied.
    case transport(url: String, detail: String, retryable: Bool)
    /// A status the protocol does not allow here, without a problem document.
    case unexpectedResponse(url: String, status: Int, detail: String)
    /// A body or header that does not parse as the protocol says.
    case malformedResponse(url: String, detail: String)
    /// An account-bound request before ``ACMEClient/registerAccount(contact:termsOfServiceAgreed:externalAccountBinding:)``
    /// or ``ACMEClient/findAccount()`` set the account URL.
    case noAccount
    case invalidKey(detail: String)
    case invalidCertificate(detail: String)
    /// Something the server's directory does not offer.
    case unsupported(String)
    case cancelled

    public var description: String {
        switch self {
        case .problem(let problem, let url): "ACME server error at \(url): \(problem)"
        case .rateLimited(let problem, let url, let retryAfter):
            "ACME rate limit at \(url): \(problem)" + (retryAfter.map { "; retry after \($0.formatted(.iso8601))" } ?? "")
        case .badNonceRetriesExhausted(let url, let attempts): "ACME server at \(url) refused the nonce \(attempts) times (badNonce)"
        case .transport(let url, let detail, _): "cannot reach ACME server at \(url): \(detail)"
        case .unexpectedResponse(let url, let status, let detail): "unexpected HTTP \(status) from ACME server at \(url): \(detail)"
        case .malformedResponse(let url, let detail): "malformed response from ACME server at \(url): \(detail)"
        case .noAccount: "no ACME account: register or look up the account first"
        case .invalidKey(let detail): "invalid ACME key: \(detail)"
        case .invalidCertificate(let detail): "invalid certificate: \(detail)"
        case .unsupported(let what): "not supported by this ACME server: \(what)"
        case .cancelled: "ACME request cancelled"
        }
    }

    /// The problem document, when the server sent one.
    public var problem: ACMEProblem? {
        switch self {
        case .problem(let p, _), .rateLimited(let p, _, _): p
        default: nil
        }
    }

    /// Whether the same request may succeed later without any change (network trouble, 5xx, rate limits).
    public var isTransient: Bool {
        switch self {
        case .transport(_, _, let retryable): retryable
        case .rateLimited, .badNonceRetriesExhausted: true
        case .unexpectedResponse(_, let status, _): status >= 500
        case .problem(let p, _): p.shortType == "serverInternal" || (p.status ?? 0) >= 500
        default: false
        }
    }
}
