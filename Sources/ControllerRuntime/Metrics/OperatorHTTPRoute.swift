import Foundation

/// A GET route a controller adds to the operator's HTTP endpoint (`--metrics-address`) next to `/metrics`,
/// `/healthz` and `/readyz`, through ``ManagerBuilder/addRoute(_:)``. The endpoint is plain HTTP and reachable by
/// anyone on the pod network: a route serves public data only, answers from caches (no API read per request) and
/// bounds what it reads from the path.
public struct OperatorHTTPRoute: Sendable {
    /// What a handler answers.
    public struct Response: Sendable, Equatable {
        public var status: Int
        public var contentType: String
        public var body: [UInt8]

        public init(status: Int, contentType: String, body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }

        /// A plain-text answer (`404`, `no CRL`).
        public static func text(_ status: Int, _ text: String) -> Response {
            Response(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
        }
    }

    public typealias Handler = @Sendable (_ parameters: [String: String]) async -> Response

    /// A path pattern: `{name}` segments (also `{name}.ext`) are parameters, handed to the handler by name
    /// (`/crl/{namespace}/{name}.crl`).
    public let path: String
    public let handler: Handler

    public init(path: String, handler: @escaping Handler) {
        self.path = path
        self.handler = handler
    }

    /// The parameter names in ``path``, in order.
    public var parameterNames: [String] {
        var names: [String] = []
        var rest = Substring(path)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}
