import Foundation

/// A resource URL broken into the parts kube-apiserver's RequestInfoFactory finds.
struct ResourcePath: Sendable, Equatable {
    var group: String
    var version: String
    var namespace: String?
    var plural: String
    var name: String?
    var subresource: String?
    /// The deprecated `/api/v1/watch/...` prefix.
    var legacyWatch = false
}

/// What a request URL addresses.
enum RequestPath: Sendable, Equatable {
    case resource(ResourcePath)
    case coreRoot                       // /api
    case groupsRoot                     // /apis
    case coreVersion(String)            // /api/v1
    case group(String)                  // /apis/{g}
    case groupVersion(String, String)   // /apis/{g}/{v}
    case version                        // /version
    case health(String)                 // /healthz, /livez, /readyz (and their sub-checks)
    case openAPIV3Root                  // /openapi/v3
    case openAPIV3(String)              // /openapi/v3/apis/{g}/{v} or /openapi/v3/api/v1
    case admin([String])                // /_keyward/...
    case unknown

    /// Namespace subresources that are not namespaced resources (`/api/v1/namespaces/{name}/status`).
    private static let namespaceSubresources: Set<String> = ["status", "finalize"]

    init(_ rawPath: String) {
        let segments = rawPath.split(separator: "/", omittingEmptySubsequences: true)
            .map { String($0).removingPercentEncoding ?? String($0) }
        switch segments.first {
        case "api":
            switch segments.count {
            case 1: self = .coreRoot
            case 2: self = .coreVersion(segments[1])
            default: self = Self.resource(group: "", version: segments[1], Array(segments.dropFirst(2)))
            }
        case "apis":
            switch segments.count {
            case 1: self = .groupsRoot
            case 2: self = .group(segments[1])
            case 3: self = .groupVersion(segments[1], segments[2])
            default: self = Self.resource(group: segments[1], version: segments[2], Array(segments.dropFirst(3)))
            }
        case "version" where segments.count == 1: self = .version
        case "healthz", "livez", "readyz": self = .health(segments.joined(separator: "/"))
        case "openapi" where segments.count >= 2 && segments[1] == "v3":
            self = segments.count == 2 ? .openAPIV3Root : .openAPIV3(segments.dropFirst(2).joined(separator: "/"))
        case "_keyward": self = .admin(Array(segments.dropFirst()))
        default: self = .unknown
        }
    }

    private static func resource(group: String, version: String, _ rest: [String]) -> RequestPath {
        var parts = rest
        var watch = false
        if parts.first == "watch" {
            watch = true
            parts.removeFirst()
        }
        var namespace: String?
        if parts.first == "namespaces", parts.count > 1 {
            namespace = parts[1]
            if parts.count > 2 && !namespaceSubresources.contains(parts[2]) {
                parts = Array(parts.dropFirst(2))
            } else {
                // The Namespace object itself (or its status/finalize subresource).
                namespace = nil
            }
        }
        guard (1...3).contains(parts.count) else { return .unknown }
        return .resource(ResourcePath(group: group, version: version, namespace: namespace, plural: parts[0],
                                      name: parts.count > 1 ? parts[1] : nil,
                                      subresource: parts.count > 2 ? parts[2] : nil, legacyWatch: watch))
    }
}

/// URL query parameters decoded as Go's `url.ParseQuery` does (`+` is a space); repeated keys keep every value.
struct QueryParameters: Sendable {
    private var values: [String: [String]] = [:]

    init(_ query: String?) {
        guard let query, !query.isEmpty else { return }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            values[key, default: []].append(value)
        }
    }

    private static func decode(_ s: Substring) -> String {
        let spaced = s.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    subscript(_ key: String) -> String? { values[key]?.first }

    func all(_ key: String) -> [String] { values[key] ?? [] }

    /// Go's `strconv.ParseBool` spellings, as the apiserver's query decoding accepts them.
    func bool(_ key: String) -> Bool? {
        switch self[key] {
        case nil: nil
        case "1", "t", "T", "true", "TRUE", "True": true
        default: false
        }
    }

    func int(_ key: String) throws(APIStatusError) -> Int? {
        guard let text = self[key], !text.isEmpty else { return nil }
        guard let value = Int(text) else {
            throw .badRequest("invalid value for \(key): strconv.ParseInt: parsing \(FieldError.goQuote(text)): invalid syntax")
        }
        return value
    }
}
