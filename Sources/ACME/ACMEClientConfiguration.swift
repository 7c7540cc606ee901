import Foundation
import KeywardCore

/// Where an ``ACMEClient`` talks to and how carefully.
public struct ACMEClientConfiguration: Sendable {
    /// The directory URL (e.g. `https://acme-v02.api.letsencrypt.org/directory`).
    public var directoryURL: URL
    /// PEM CA certificates trusted for the server's TLS instead of the system store (a private CA such as Pebble).
    public var caPEM: Data?
    /// The server is tenant-chosen: every connection is checked against this policy. `nil` checks nothing.
    public var egress: EgressPolicy?
    public var requestTimeout: Duration
    /// How many times one request is re-signed with a fresh nonce after `badNonce` before giving up.
    public var maxBadNonceRetries: Int
    /// No response body above this is read (a hostile server cannot make the client buffer without end).
    public var maxResponseBytes: Int
    public var userAgent: String

    public init(directoryURL: URL, caPEM: Data? = nil, egress: EgressPolicy? = nil,
                requestTimeout: Duration = .seconds(30), maxBadNonceRetries: Int = 10,
                maxResponseBytes: Int = 4 << 20, userAgent: String = "keyward-acme") {
        self.directoryURL = directoryURL
        self.caPEM = caPEM
        self.egress = egress
        self.requestTimeout = requestTimeout
        self.maxBadNonceRetries = maxBadNonceRetries
        self.maxResponseBytes = maxResponseBytes
        self.userAgent = userAgent
    }
}
