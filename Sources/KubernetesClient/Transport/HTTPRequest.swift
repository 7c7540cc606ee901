import Foundation
import KeywardCore

/// One HTTP request as the transport sees it: no Kubernetes knowledge.
public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable { case get = "GET", post = "POST", put = "PUT", patch = "PATCH", delete = "DELETE" }

    public var method: Method
    public var url: URL
    public var headers: [(name: String, value: String)]
    public var body: Data?
    /// Whole-request deadline; `nil` for streams that end when the server closes them.
    public var timeout: Duration?
    /// For a target someone else chose (a tenant's verification URL, a webhook): every address the transfer
    /// connects to must pass this policy (checked on the resolved address at connect time, so DNS rebinding cannot
    /// bypass it), proxies from the environment are not used, and the response is not decompressed. `nil` (the
    /// operator's own API server) checks nothing.
    public var egress: EgressPolicy?
    /// When set, the response body is not kept: at most this many bytes are read, then the transfer ends with the
    /// status it had (``HTTPResponse/bodyTruncated`` set).
    public var discardBodyAfter: Int?
    /// When set, a response body longer than this fails the transfer with ``TransportError/bodyTooLarge(url:limit:)``
    /// once the limit is passed: no more than this many bytes are ever buffered (a bounded read of an object a
    /// tenant can inflate).
    public var maxBodyBytes: Int?
    /// A streamed body's bytes received and not yet read, at most (``StreamCredit``): past it the transfer pauses.
    public var streamBufferLimit = StreamCredit.defaultLimit

    public init(method: Method, url: URL, headers: [(name: String, value: String)] = [], body: Data? = nil,
                timeout: Duration? = .seconds(30), egress: EgressPolicy? = nil, discardBodyAfter: Int? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.egress = egress
        self.discardBodyAfter = discardBodyAfter
    }
}

/// A buffered response.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
    /// The request's ``HTTPRequest/discardBodyAfter`` limit was reached and the rest of the body was not read.
    public var bodyTruncated = false

    public init(status: Int, headers: [String: String], body: Data, bodyTruncated: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bodyTruncated = bodyTruncated
    }

    /// Header lookup by lower-cased name.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// The TLS and identity settings one connection pool uses.
public struct TLSSettings: Sendable, Hashable {
    /// PEM bundle of trusted roots; `nil` uses the system store.
    public var caPEM: Data?
    /// A CA bundle file that may be replaced while the process runs (the in-cluster `ca.crt`): re-read whenever it
    /// changes, its latest valid content replacing `caPEM` for new connections.
    public var caFile: String?
    public var insecureSkipVerify: Bool
    /// Client certificate and key (PEM) for mutual TLS.
    public var clientCertificatePEM: Data?
    public var clientKeyPEM: Data?

    public init(caPEM: Data? = nil, caFile: String? = nil, insecureSkipVerify: Bool = false,
                clientCertificatePEM: Data? = nil, clientKeyPEM: Data? = nil) {
        self.caPEM = caPEM
        self.caFile = caFile
        self.insecureSkipVerify = insecureSkipVerify
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
    }
}
