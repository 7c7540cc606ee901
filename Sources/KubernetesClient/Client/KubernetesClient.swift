import Foundation
import KeywardCore
import Logging

/// A Kubernetes API client: typed verbs over any ``KubernetesResource``, driven by libcurl.
///
/// Every method is async and never blocks a cooperative thread; transfers run on the transport's curl thread.
public final class KubernetesClient: Sendable {
    public let configuration: ClientConfiguration
    public let retryPolicy: RetryPolicy
    let transport: CurlTransport
    private let tokens: TokenProvider
    private let clock: any WallClock
    private let observer: (@Sendable (RequestRecord) -> Void)?
    private let baseURL: String
    private let throttle: RequestThrottle?

    /// `rateLimit` caps requests per second client-side (nil: no cap beyond the server's own throttling).
    public init(configuration: ClientConfiguration, retryPolicy: RetryPolicy = .default,
                clock: any WallClock = SystemClock(), rateLimit: RequestRateLimit? = nil,
                observer: (@Sendable (RequestRecord) -> Void)? = nil) {
        self.configuration = configuration
        self.retryPolicy = retryPolicy
        self.clock = clock
        self.observer = observer
        self.throttle = rateLimit.map { RequestThrottle($0, clock: clock) }
        self.transport = CurlTransport(tls: configuration.tls)
        self.tokens = TokenProvider(credentials: configuration.credentials, clock: clock)
        var base = configuration.server.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
    }

    /// Stops the transport; in-flight requests fail with ``TransportError/shutdown``.
    public func shutdown() { transport.shutdown() }

    /// Requests so far that waited for the client-side rate limit (0 without one).
    public var throttledRequests: Int { throttle?.delayedRequests ?? 0 }

    // MARK: Verbs

    public func get<T: KubernetesResource>(_ type: T.Type, name: String, namespace: String? = nil) async throws -> T {
        let path = Self.path(T.self, namespace: namespace ?? defaultNamespace(T.self), name: name)
        return try await decode(T.self, from: request(.get, path: path, verb: "get", resource: T.plural))
    }

    /// A GET whose response may be at most `maxBytes`: a larger object throws ``ResponseTooLarge`` and is never
    /// decoded (objects a tenant can inflate, read after the cache kept only their metadata).
    public func get<T: KubernetesResource>(_ type: T.Type, name: String, namespace: String? = nil,
                                           maxBytes: Int) async throws -> T {
        let ns = namespace ?? defaultNamespace(T.self)
        let path = Self.path(T.self, namespace: ns, name: name)
        do {
            return try await decode(T.self, from: request(.get, path: path, verb: "get", resource: T.plural, maxBodyBytes: maxBytes))
        } catch KubernetesError.transport(.bodyTooLarge) {
            // The transfer stopped at the limit: nothing past it was read or kept.
            throw ResponseTooLarge(kind: T.kind, key: ns.map { "\($0)/\(name)" } ?? name, limit: maxBytes)
        }
    }

    /// One page of a list.
    public func list<T: KubernetesResource>(_ type: T.Type, in scope: NamespaceSelector? = nil,
                                            options: ListOptions = ListOptions()) async throws -> ObjectList<T> {
        var query: [(String, String)] = []
        if let s = options.labelSelector { query.append(("labelSelector", s)) }
        if let s = options.fieldSelector { query.append(("fieldSelector", s)) }
        if let l = options.limit { query.append(("limit", String(l))) }
        if let c = options.continue { query.append(("continue", c)) }
        if let rv = options.resourceVersion { query.append(("resourceVersion", rv)) }
        let path = Self.path(T.self, namespace: namespace(for: T.self, scope))
        return try decodeList(T.self, from: await request(.get, path: path, query: query, verb: "list", resource: T.plural))
    }

    /// A list page: read whole, and when that fails, item by item (``ListItemScan``), the items that cannot be read
    /// reported in ``ObjectList/unreadable`` instead of failing the page.
    private func decodeList<T: KubernetesResource>(_ type: T.Type, from response: HTTPResponse) throws -> ObjectList<T> {
        let whole: any Error
        do { return try KubeJSON.decode(ObjectList<T>.self, from: response.body) } catch { whole = error }
        let fallback: ObjectList<T>? = response.body.withUnsafeBytes { bytes -> ObjectList<T>? in
            guard let scan = ListItemScan.scan(bytes),
                  var list = try? KubeJSON.decode(ObjectList<T>.self, from: scan.envelope) else { return nil }
            for range in scan.items {
                do {
                    list.items.append(try KubeJSON.decode(T.self, from: UnsafeRawBufferPointer(rebasing: bytes[range])))
                } catch {
                    let identity = ListItemScan.identity(bytes, range)
                    list.unreadable.append(UnreadableItem(namespace: identity?.namespace, name: identity?.name,
                                                          reason: "\(error)"))
                }
            }
            return list
        }
        guard let fallback else {
            throw KubernetesError.decoding(type: String(describing: ObjectList<T>.self), detail: "\(whole)")
        }
        return fallback
    }

    /// Every page of a list, following `continue` tokens. The returned resourceVersion is the first page's, which
    /// is the consistent snapshot a watch should start from.
    public func listAll<T: KubernetesResource>(_ type: T.Type, in scope: NamespaceSelector? = nil,
                                               options: ListOptions = ListOptions(limit: 500)) async throws -> ObjectList<T> {
        var page = try await list(T.self, in: scope, options: options)
        var items = page.items
        var unreadable = page.unreadable
        let version = page.metadata.resourceVersion
        while let token = page.metadata.continue, !token.isEmpty {
            var next = options
            next.continue = token
            page = try await list(T.self, in: scope, options: next)
            items.append(contentsOf: page.items)
            unreadable.append(contentsOf: page.unreadable)
        }
        var all = ObjectList(metadata: ListMeta(resourceVersion: version), items: items)
        all.unreadable = unreadable
        return all
    }

    public func create<T: KubernetesResource>(_ object: T, namespace: String? = nil) async throws -> T {
        let ns = namespace ?? object.metadata.namespace ?? defaultNamespace(T.self)
        let path = Self.path(T.self, namespace: ns)
        return try await decode(T.self, from: request(.post, path: path, body: encode(object), verb: "create",
                                                      resource: T.plural))
    }

    /// PUT of the whole object; `metadata.resourceVersion` makes it optimistic (409 ``KubernetesError/conflict(_:)``
    /// when stale). With a status subresource the server ignores status here.
    public func update<T: KubernetesResource>(_ object: T) async throws -> T {
        let path = Self.path(T.self, namespace: object.metadata.namespace ?? defaultNamespace(T.self),
                             name: object.metadata.name)
        return try await decode(T.self, from: request(.put, path: path, body: encode(object), verb: "update",
                                                      resource: T.plural))
    }

    /// PUT to `/status`: only status changes are kept.
    public func updateStatus<T: HasStatusSubresource>(_ object: T) async throws -> T {
        let path = Self.path(T.self, namespace: object.metadata.namespace ?? defaultNamespace(T.self),
                             name: object.metadata.name, subresource: "status")
        // The server takes only the status (and the resourceVersion precondition) from a /status PUT, so the spec is
        // not sent: less to encode here and to parse and validate there, on the write every issuance makes.
        let body = try KubeJSON.makeEncoder().encode(StatusBody(object: object))
        return try await decode(T.self, from: request(.put, path: path, body: body, verb: "update",
                                                      resource: T.plural + "/status"))
    }

    public func patch<T: KubernetesResource>(_ type: T.Type, name: String, namespace: String? = nil, patch: Patch,
                                             subresource: String? = nil) async throws -> T {
        let path = Self.path(T.self, namespace: namespace ?? defaultNamespace(T.self), name: name,
                             subresource: subresource)
        let resource = subresource.map { "\(T.plural)/\($0)" } ?? T.plural
        return try await decode(T.self, from: request(.patch, path: path, body: patch.body.serialized(),
                                                      contentType: patch.contentType, verb: "patch",
                                                      resource: resource))
    }

    /// Deletes an object. With finalizers it stays (with a deletionTimestamp) until they are removed.
    public func delete<T: KubernetesResource>(_ type: T.Type, name: String, namespace: String? = nil,
                                              options: DeleteOptions = DeleteOptions()) async throws {
        let path = Self.path(T.self, namespace: namespace ?? defaultNamespace(T.self), name: name)
        let body = try KubeJSON.makeEncoder().encode(StampedDeleteOptions(options: options))
        _ = try await request(.delete, path: path, body: body, verb: "delete", resource: T.plural)
    }

    /// Opens a watch. Returns once the server accepted it; iterate the stream for events.
    /// With `echoes`, events for versions this process wrote (and noted there) come as bookmarks, undecoded.
    public func watch<T: KubernetesResource>(_ type: T.Type, in scope: NamespaceSelector? = nil,
                                             options: WatchOptions = WatchOptions(),
                                             echoes: WatchEchoFilter? = nil) async throws -> WatchStream<T> {
        var query: [(String, String)] = [("watch", "1")]
        if let rv = options.resourceVersion { query.append(("resourceVersion", rv)) }
        if options.allowBookmarks { query.append(("allowWatchBookmarks", "true")) }
        query.append(("timeoutSeconds", String(options.timeoutSeconds)))
        if let s = options.labelSelector { query.append(("labelSelector", s)) }
        if let s = options.fieldSelector { query.append(("fieldSelector", s)) }
        let path = Self.path(T.self, namespace: namespace(for: T.self, scope))
        let url = try makeURL(path: path, query: query)
        try await throttle?.acquire()
        let started = clock.now
        var request = HTTPRequest(method: .get, url: url, headers: try headers(contentType: nil), timeout: nil)
        // The server ends the stream after timeoutSeconds; a dead connection is cut a minute later.
        request.timeout = .seconds(options.timeoutSeconds + 60)
        let head: HTTPStreamHead
        let body: HTTPBodyStream
        do {
            (head, body) = try await transport.stream(request)
        } catch let error as TransportError {
            record("watch", T.plural, 0, started)
            throw KubernetesError.transport(error)
        }
        record("watch", T.plural, head.status, started)
        guard (200..<300).contains(head.status) else {
            var collected = Data()
            for try await chunk in body { collected.append(chunk) }
            throw failure(status: head.status, headers: head.headers, body: collected)
        }
        return WatchStream(body: body, echoes: echoes)
    }

    // MARK: Plumbing

    private func defaultNamespace<T: KubernetesResource>(_ type: T.Type) -> String? {
        T.isNamespaced ? configuration.namespace : nil
    }

    private func namespace<T: KubernetesResource>(for type: T.Type, _ scope: NamespaceSelector?) -> String? {
        guard T.isNamespaced else { return nil }
        switch scope {
        case .none: return configuration.namespace
        case .namespace(let n): return n
        case .allNamespaces: return nil
        }
    }

    /// The REST path of a resource collection, object or subresource.
    public static func path<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String? = nil,
                                                   subresource: String? = nil) -> String {
        var path = T.group.isEmpty ? "/api/\(T.version)" : "/apis/\(T.group)/\(T.version)"
        if T.isNamespaced, let namespace { path += "/namespaces/\(escape(namespace))" }
        path += "/\(T.plural)"
        if let name { path += "/\(escape(name))" }
        if let subresource { path += "/\(subresource)" }
        return path
    }

    private static let unreserved = CharacterSet(charactersIn:
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    private static func escape(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? s }

    private func makeURL(path: String, query: [(String, String)]) throws -> URL {
        var text = baseURL + path
        if !query.isEmpty {
            text += "?" + query.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        }
        guard let url = URL(string: text) else {
            throw KubernetesError.badRequest(APIStatus(code: 400, reason: "BadRequest", message: "invalid URL \(text)"))
        }
        return url
    }

    private func headers(contentType: String?) throws -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("Accept", "application/json"), ("User-Agent", configuration.userAgent)]
        if let contentType { headers.append(("Content-Type", contentType)) }
        if let token = try tokens.currentToken() { headers.append(("Authorization", "Bearer \(token)")) }
        return headers
    }

    private func encode<T: KubernetesResource>(_ object: T) throws -> Data {
        try KubeJSON.makeEncoder().encode(Stamped(object: object))
    }

    private func decode<T: Decodable>(_ type: T.Type, from response: HTTPResponse) throws -> T {
        do { return try KubeJSON.decode(T.self, from: response.body) } catch {
            throw KubernetesError.decoding(type: String(describing: T.self), detail: "\(error)")
        }
    }

    private func record(_ verb: String, _ resource: String, _ code: Int, _ started: Date) {
        observer?(RequestRecord(verb: verb, resource: resource, code: code, duration: clock.now.timeIntervalSince(started)))
    }

    private func failure(status code: Int, headers: [String: String], body: Data) -> KubernetesError {
        var status = (try? JSONDecoder().decode(APIStatus.self, from: body)) ?? APIStatus(code: code)
        if status.code == nil { status.code = code }
        if status.message == nil, !body.isEmpty { status.message = String(decoding: body.prefix(512), as: UTF8.self) }
        let retryAfter = RetryAfterHeader.seconds(headers["retry-after"])
        return KubernetesError(code: code, status: status, retryAfter: retryAfter)
    }

    /// Sends with retries and returns the 2xx response.
    private func request(_ method: HTTPRequest.Method, path: String, query: [(String, String)] = [], body: Data? = nil,
                         contentType: String = "application/json", verb: String, resource: String,
                         maxBodyBytes: Int? = nil) async throws -> HTTPResponse {
        let url = try makeURL(path: path, query: query)
        let idempotent = method == .get || method == .put || method == .delete
        var refreshedToken = false
        var attempt = 0
        while true {
            attempt += 1
            try await throttle?.acquire()
            let started = clock.now
            var request = HTTPRequest(method: method, url: url, headers: try headers(contentType: body == nil ? nil : contentType),
                                      body: body)
            request.maxBodyBytes = maxBodyBytes
            let response: HTTPResponse
            do {
                response = try await transport.send(request)
            } catch let error as TransportError {
                record(verb, resource, 0, started)
                let neverSent: Bool
                switch error {
                case .dns, .connect: neverSent = true
                default: neverSent = false
                }
                if error.isRetryable, idempotent || neverSent, attempt < retryPolicy.maxAttempts {
                    try await clock.sleep(for: .seconds(retryPolicy.backoff.delay(attempt: attempt - 1)))
                    continue
                }
                throw KubernetesError.transport(error)
            }
            record(verb, resource, response.status, started)
            if (200..<300).contains(response.status) { return response }
            let error = failure(status: response.status, headers: response.headers, body: response.body)
            guard attempt < retryPolicy.maxAttempts else { throw error }
            switch error {
            case .unauthorized where !refreshedToken:
                // A rotated token file may have been read just before it changed.
                if case .tokenFile = configuration.credentials {
                    refreshedToken = true
                    tokens.invalidate()
                    continue
                }
                throw error
            case .tooManyRequests(_, let retryAfter):
                let wait = RetryAfterHeader.boundedWait(retryAfter ?? retryPolicy.backoff.delay(attempt: attempt - 1),
                                            atMost: retryPolicy.maxRetryAfter)
                try await clock.sleep(for: .seconds(wait))
            case .server where idempotent:
                try await clock.sleep(for: .seconds(retryPolicy.backoff.delay(attempt: attempt - 1)))
            default:
                throw error
            }
        }
    }
}

/// Adds `apiVersion` and `kind` to an encoded model.
private struct Stamped<T: KubernetesResource>: Encodable {
    var object: T
    func encode(to encoder: any Encoder) throws {
        try object.encode(to: encoder)
        try UnknownFields.encode(["apiVersion": .string(T.apiVersion), "kind": .string(T.kind)], to: encoder)
    }
}

/// What a `/status` PUT needs: type, metadata (name, resourceVersion) and the status.
private struct StatusBody<T: HasStatusSubresource>: Encodable {
    var object: T
    enum Key: String, CodingKey { case apiVersion, kind, metadata, status }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(T.apiVersion, forKey: .apiVersion)
        try container.encode(T.kind, forKey: .kind)
        try container.encode(object.metadata, forKey: .metadata)
        try container.encodeIfPresent(object.status, forKey: .status)
    }
}

private struct StampedDeleteOptions: Encodable {
    var options: DeleteOptions
    func encode(to encoder: any Encoder) throws {
        try options.encode(to: encoder)
        try UnknownFields.encode(["apiVersion": "v1", "kind": "DeleteOptions"], to: encoder)
    }
}
