import Foundation

/// Every failure the client reports, typed from the server's Status body or from the transport.
public enum KubernetesError: Error, Sendable, CustomStringConvertible {
    case badRequest(APIStatus)
    case unauthorized(APIStatus)
    case forbidden(APIStatus)
    case notFound(APIStatus)
    case alreadyExists(APIStatus)
    /// 409 on a stale resourceVersion (or a failed precondition): re-read and retry.
    case conflict(APIStatus)
    /// 410: the resourceVersion or continue token is too old; relist.
    case gone(APIStatus)
    /// 422 with per-field causes.
    case invalid(APIStatus)
    case tooManyRequests(APIStatus, retryAfter: TimeInterval?)
    /// 5xx (and 504 timeouts).
    case server(APIStatus)
    /// Any other non-success status (405, 415, …).
    case unexpected(APIStatus)
    case transport(TransportError)
    /// The response could not be decoded as the expected type.
    case decoding(type: String, detail: String)

    /// Maps an HTTP failure to a case; `status` is the decoded body or one synthesised from the code.
    public init(code: Int, status: APIStatus, retryAfter: TimeInterval? = nil) {
        var status = status
        if status.code == nil { status.code = code }
        switch code {
        case 400: self = .badRequest(status)
        case 401: self = .unauthorized(status)
        case 403: self = .forbidden(status)
        case 404: self = .notFound(status)
        case 409: self = status.reason == "AlreadyExists" ? .alreadyExists(status) : .conflict(status)
        case 410: self = .gone(status)
        case 422: self = .invalid(status)
        case 429: self = .tooManyRequests(status, retryAfter: retryAfter ?? status.details?.retryAfterSeconds.map(Double.init))
        case 500...599: self = .server(status)
        default: self = .unexpected(status)
        }
    }

    public var status: APIStatus? {
        switch self {
        case .badRequest(let s), .unauthorized(let s), .forbidden(let s), .notFound(let s), .alreadyExists(let s),
            .conflict(let s), .gone(let s), .invalid(let s), .tooManyRequests(let s, _), .server(let s),
            .unexpected(let s):
            s
        case .transport, .decoding: nil
        }
    }

    public var code: Int? { status?.code }

    /// Per-field causes of a 422.
    public var causes: [APIStatus.Cause] { status?.details?.causes ?? [] }

    public var isNotFound: Bool { if case .notFound = self { true } else { false } }
    public var isConflict: Bool { if case .conflict = self { true } else { false } }
    public var isAlreadyExists: Bool { if case .alreadyExists = self { true } else { false } }
    public var isGone: Bool { if case .gone = self { true } else { false } }
    /// 401 or 403: the credentials are refused, or they may not do this.
    public var isAccessDenied: Bool {
        switch self {
        case .unauthorized, .forbidden: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .transport(let t): return t.description
        case .decoding(let type, let detail): return "cannot decode \(type): \(detail)"
        default:
            let s = status
            var text = "\(s?.code ?? 0) \(s?.reason ?? "Failure"): \(s?.message ?? "")"
            let fields = causes.compactMap { c in c.field.map { "\($0): \(c.message ?? c.reason ?? "")" } }
            if !fields.isEmpty { text += " [" + fields.joined(separator: "; ") + "]" }
            return text
        }
    }
}
