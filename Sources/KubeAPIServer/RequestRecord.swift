import Foundation

/// One request the server answered, for tests asserting on client behaviour (retries, backoff, verbs used).
public struct RequestRecord: Sendable, Hashable, Codable {
    public var time: Date
    public var user: String?
    /// nil for non-resource requests (discovery, /version, /_keyward).
    public var verb: Verb?
    /// Resource plural, with `/subresource` appended when one was addressed (e.g. `certificates/status`).
    public var resource: String?
    public var group: String?
    public var namespace: String?
    public var name: String?
    public var method: String
    public var path: String
    /// The HTTP status code sent (200 for a watch that streamed).
    public var code: Int
    /// 2 for a request on an HTTP/2 stream, 1 otherwise.
    public var httpVersion: Int = 1
    /// Tells the request's TCP connection apart from others open at the same time (not across the server's life:
    /// a closed connection's number may be reused).
    public var connection: Int = 0
}

/// One successful mutating request: what changed, by whom, and the resourceVersion it produced.
public struct WriteRecord: Sendable, Hashable, Codable {
    public var time: Date
    public var user: String
    public var verb: Verb
    public var path: String
    public var resource: String
    public var group: String
    public var namespace: String?
    public var name: String?
    /// The object's resourceVersion after the write (unchanged for a no-op update).
    public var resourceVersion: String?
    /// False when the request was accepted but stored nothing new (a no-op update or patch, a dry run).
    public var changed: Bool
}
