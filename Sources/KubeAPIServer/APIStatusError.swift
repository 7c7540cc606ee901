import Foundation
import KeywardCore

/// A request failure as kube-apiserver reports it: an HTTP code and a `meta.k8s.io/v1` `Status` body.
///
/// The constructors reproduce the real server's reasons and message wording, because clients (and their tests)
/// branch on `reason` and sometimes match on `message`.
public struct APIStatusError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var reason: String
    public var message: String
    public var details: JSONObject?
    /// Sent as the `Retry-After` header as well as `details.retryAfterSeconds`.
    public var retryAfterSeconds: Int?
    /// Extra `metadata` for the Status (e.g. an inconsistent `continue` token on 410).
    public var listMetadata: JSONObject = [:]

    public init(code: Int, reason: String, message: String, details: JSONObject? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code) \(reason): \(message)" }

    /// The `Status` object sent as the response body (or inside a watch ERROR event).
    public var statusObject: JSONValue {
        var object: JSONObject = [
            "kind": "Status", "apiVersion": "v1", "metadata": .object(listMetadata), "status": "Failure",
            "message": .string(message), "reason": .string(reason), "code": .int(Int64(code)),
        ]
        var details = self.details ?? [:]
        if let retryAfterSeconds { details["retryAfterSeconds"] = .int(Int64(retryAfterSeconds)) }
        if !details.isEmpty { object["details"] = .object(details) }
        if reason.isEmpty { object["reason"] = nil }
        return .object(object)
    }
}

/// `group/resource` as used in error messages: `secrets`, `certificates.keyward.dev`.
struct GroupResource: Sendable, Hashable {
    var group: String
    var resource: String
    var qualified: String { group.isEmpty ? resource : "\(resource).\(group)" }
}

/// `Kind.group` as used in Invalid messages: `Secret`, `Certificate.keyward.dev`.
struct GroupKind: Sendable, Hashable {
    var group: String
    var kind: String
    var qualified: String { group.isEmpty ? kind : "\(kind).\(group)" }
}

extension APIStatusError {
    private static func details(_ name: String?, _ resource: GroupResource) -> JSONObject {
        var d: JSONObject = ["group": .string(resource.group), "kind": .string(resource.resource)]
        if let name { d["name"] = .string(name) }
        if resource.group.isEmpty { d["group"] = nil }
        return d
    }

    static func notFound(_ resource: GroupResource, _ name: String) -> APIStatusError {
        APIStatusError(code: 404, reason: "NotFound", message: "\(resource.qualified) \"\(name)\" not found",
                       details: details(name, resource))
    }

    static func alreadyExists(_ resource: GroupResource, _ name: String) -> APIStatusError {
        APIStatusError(code: 409, reason: "AlreadyExists", message: "\(resource.qualified) \"\(name)\" already exists",
                       details: details(name, resource))
    }

    static func conflict(_ resource: GroupResource, _ name: String, _ why: String) -> APIStatusError {
        APIStatusError(code: 409, reason: "Conflict",
                       message: "Operation cannot be fulfilled on \(resource.qualified) \"\(name)\": \(why)",
                       details: details(name, resource))
    }

    static let modifiedMessage =
        "the object has been modified; please apply your changes to the latest version and try again"

    static func staleResourceVersion(_ resource: GroupResource, _ name: String) -> APIStatusError {
        conflict(resource, name, modifiedMessage)
    }

    static func invalid(_ kind: GroupKind, _ name: String, _ causes: [FieldError]) -> APIStatusError {
        let list = causes.map(\.description)
        let aggregate = list.count == 1 ? list[0] : "[\(list.joined(separator: ", "))]"
        var d: JSONObject = ["name": .string(name), "group": .string(kind.group), "kind": .string(kind.kind)]
        if kind.group.isEmpty { d["group"] = nil }
        d["causes"] = .array(causes.map(\.cause))
        return APIStatusError(code: 422, reason: "Invalid", message: "\(kind.qualified) \"\(name)\" is invalid: \(aggregate)",
                              details: d)
    }

    static func badRequest(_ message: String) -> APIStatusError {
        APIStatusError(code: 400, reason: "BadRequest", message: message)
    }

    static let unauthorized = APIStatusError(code: 401, reason: "Unauthorized", message: "Unauthorized")

    static func forbidden(_ resource: GroupResource, _ name: String, _ why: String,
                          causes: [JSONValue] = []) -> APIStatusError {
        var d = details(name.isEmpty ? nil : name, resource)
        if !causes.isEmpty { d["causes"] = .array(causes) }
        let subject = name.isEmpty ? resource.qualified : "\(resource.qualified) \"\(name)\""
        return APIStatusError(code: 403, reason: "Forbidden", message: "\(subject) is forbidden: \(why)", details: d)
    }

    static func methodNotAllowed(_ message: String) -> APIStatusError {
        APIStatusError(code: 405, reason: "MethodNotAllowed", message: message)
    }

    static func expired(_ message: String) -> APIStatusError {
        APIStatusError(code: 410, reason: "Expired", message: message)
    }

    static func unsupportedMediaType(_ contentType: String) -> APIStatusError {
        APIStatusError(code: 415, reason: "UnsupportedMediaType",
                       message: "the body of the request was in an unknown format - accepted media types include: "
                           + contentType)
    }

    static func internalError(_ message: String) -> APIStatusError {
        APIStatusError(code: 500, reason: "InternalError",
                       message: "Internal error occurred: \(message)", details: ["causes": [["message": .string(message)]]])
    }

    /// The failure a fault injection asks for, worded the way kube-apiserver words that code.
    static func injected(code: Int, retryAfterSeconds: Int?) -> APIStatusError {
        switch code {
        case 400: return badRequest("injected fault: bad request")
        case 401: return unauthorized
        case 403: return APIStatusError(code: 403, reason: "Forbidden", message: "injected fault: forbidden")
        case 404: return APIStatusError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        case 405: return methodNotAllowed("the server does not allow this method on the requested resource")
        case 409: return APIStatusError(code: 409, reason: "Conflict", message: "injected fault: \(modifiedMessage)")
        case 410: return expired("injected fault: the resourceVersion is too old")
        case 415: return unsupportedMediaType("application/json")
        case 422: return APIStatusError(code: 422, reason: "Invalid", message: "injected fault: invalid")
        case 429:
            return APIStatusError(code: 429, reason: "TooManyRequests",
                                  message: "Too many requests, please try again later.",
                                  retryAfterSeconds: retryAfterSeconds ?? 1)
        case 500:
            var e = internalError("injected fault")
            e.retryAfterSeconds = retryAfterSeconds
            return e
        case 503:
            return APIStatusError(code: 503, reason: "ServiceUnavailable",
                                  message: "the server is currently unable to handle the request",
                                  retryAfterSeconds: retryAfterSeconds)
        case 504:
            return APIStatusError(code: 504, reason: "Timeout",
                                  message: "the server was unable to return a response in the time allotted, but may still be processing the request",
                                  retryAfterSeconds: retryAfterSeconds)
        default:
            return APIStatusError(code: code, reason: "", message: "injected fault: HTTP \(code)",
                                  retryAfterSeconds: retryAfterSeconds)
        }
    }
}

/// One field problem, formatted like Go's `field.Error` (`spec.duration: Required value`).
struct FieldError: Sendable, Equatable, CustomStringConvertible {
    enum Kind: String, Sendable {
        case required = "FieldValueRequired"
        case invalid = "FieldValueInvalid"
        case notSupported = "FieldValueNotSupported"
        case forbidden = "FieldValueForbidden"
        case tooLong = "FieldValueTooLong"
        case tooMany = "FieldValueTooMany"
        case duplicate = "FieldValueDuplicate"
        case notFound = "FieldValueNotFound"

        var phrase: String {
            switch self {
            case .required: "Required value"
            case .invalid: "Invalid value"
            case .notSupported: "Unsupported value"
            case .forbidden: "Forbidden"
            case .tooLong: "Too long"
            case .tooMany: "Too many"
            case .duplicate: "Duplicate value"
            case .notFound: "Not found"
            }
        }
    }

    var kind: Kind
    var field: String
    /// The offending value, already rendered the way Go's `%v`/`%q` would print it; nil omits it.
    var renderedValue: String?
    var detail: String

    init(_ kind: Kind, _ field: String, value: JSONValue? = nil, rendered: String? = nil, _ detail: String = "") {
        self.kind = kind
        self.field = field
        self.renderedValue = rendered ?? value.map(FieldError.render)
        self.detail = detail
    }

    /// What the Status cause's `message` holds: everything after `field: `.
    var body: String {
        var s = kind.phrase
        switch kind {
        case .required, .forbidden, .tooLong: break
        default: if let renderedValue { s += ": \(renderedValue)" }
        }
        if !detail.isEmpty { s += ": \(detail)" }
        return s
    }

    var description: String { field.isEmpty ? body : "\(field): \(body)" }

    var cause: JSONValue {
        var c: JSONObject = ["reason": .string(kind.rawValue), "message": .string(body)]
        if !field.isEmpty { c["field"] = .string(field) }
        return .object(c)
    }

    /// Go-style rendering: strings quoted, numbers and booleans bare, null as `null`.
    static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return goQuote(s)
        case .int(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bool(let b): return String(b)
        case .null: return "\"null\""
        case .object: return "\"object\""
        case .array: return "\"array\""
        }
    }

    static func goQuote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 { out += String(format: "\\x%02x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
