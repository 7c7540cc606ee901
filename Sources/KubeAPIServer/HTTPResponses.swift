import Foundation
import Hummingbird
import KeywardCore

/// Response builders: JSON bodies, Status failures (with `Retry-After`) and plain-text probes.
enum HTTPResponses {
    static let jsonType = "application/json"
    static let tableType = "application/json;as=Table;v=v1;g=meta.k8s.io"

    static func json(_ value: JSONValue, status code: Int = 200, contentType: String = jsonType,
                     warnings: [String] = []) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-cache, private"
        if !warnings.isEmpty {
            headers[.init("Warning")!] = warnings.map { "299 - \(FieldError.goQuote($0))" }.joined(separator: ", ")
        }
        var data = value.serialized()
        data.append(0x0A)
        return Response(status: HTTPResponse.Status(code: code), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func failure(_ error: APIStatusError) -> Response {
        var response = json(error.statusObject, status: error.code)
        if let seconds = error.retryAfterSeconds { response.headers[.retryAfter] = String(seconds) }
        return response
    }

    /// The Success Status built-in kinds answer a DELETE with.
    static func success(code: Int = 200, details: JSONObject) -> Response {
        json(["kind": "Status", "apiVersion": "v1", "metadata": .object([:]), "status": "Success",
              "details": .object(details)], status: code)
    }

    static func text(_ body: String, status code: Int = 200) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: HTTPResponse.Status(code: code), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

extension APIStatusError {
    /// The answer for a path no handler serves (an unknown group, version or resource).
    static let pathNotFound = APIStatusError(code: 404, reason: "NotFound",
                                             message: "the server could not find the requested resource", details: [:])

    static func notAcceptable() -> APIStatusError {
        APIStatusError(code: 406, reason: "NotAcceptable",
                       message: "only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io")
    }

    static func requestEntityTooLarge(_ limit: Int) -> APIStatusError {
        APIStatusError(code: 413, reason: "RequestEntityTooLarge",
                       message: "Request entity too large: limit is \(limit)")
    }
}

/// How a read answers, from the Accept header: the object itself, a `meta.k8s.io` Table (`kubectl get`), or
/// only metadata (`PartialObjectMetadata`, what metadata informers ask for).
enum ResponseFormat: Sendable, Equatable {
    case object
    case table(metaVersion: String)
    case partialMetadata(metaVersion: String)

    static func negotiate(_ accept: String?) throws(APIStatusError) -> ResponseFormat {
        guard let accept, !accept.trimmingCharacters(in: .whitespaces).isEmpty else { return .object }
        for clause in accept.split(separator: ",") {
            let parts = clause.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            let mediaType = parts.first?.lowercased() ?? ""
            var parameters: [String: String] = [:]
            for p in parts.dropFirst() {
                let kv = p.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if kv.count == 2 { parameters[kv[0].lowercased()] = kv[1] }
            }
            switch mediaType {
            case "application/json", "application/yaml", "application/json;stream=watch":
                let version = parameters["v"] ?? "v1"
                guard ["v1", "v1beta1"].contains(version) || parameters["as"] == nil else { continue }
                if let group = parameters["g"], group != "meta.k8s.io", parameters["as"] != nil { continue }
                switch parameters["as"] {
                case nil: return .object
                case "Table": return .table(metaVersion: version)
                case "PartialObjectMetadata", "PartialObjectMetadataList": return .partialMetadata(metaVersion: version)
                default: continue
                }
            case "*/*", "application/*":
                return .object
            default:
                continue
            }
        }
        throw .notAcceptable()
    }
}
