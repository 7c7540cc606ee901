import Foundation
import KeywardCore

/// Where an ``ACMEClient`` talks to and how carefully.
public struct ACMEClientConfiguration: Sendable {
    /// The directory URL (e.g. `https://acme-v02.api.letsencrypt.org/directory`).
    public var directoryURL: URL
    /// PEM CA certificates trusted for the server's TLS instead of the system store (a private CA such as Pebble).
    public var caPEM: Data?
    /// Trust the system store next to ``caPEM``. Off by default: libcurl loads a CA blob on every transfer, and the
    /// system bundle (~140 roots) costs about 40 ms of CPU per request on a 2-core machine, 10× Pebble's whole
    /// order (docs/benchmarks.md).
    public var alsoTrustSystemRoots: Bool
    /// The server is tenant-chosen: every connection is checked against this policy. `nil` checks nothing.
    public var egress: EgressPolicy?
    public var requestTimeout: Duration
    /// How many times one request is re-signed with a fresh nonce after `badNonce` before giving up.
    public var maxBadNonceRetries: Int
    /// No response body above this is read (a hostile server cannot make the client buffer without end).
    public var maxResponseBytes: Int
    public var userAgent: String

    public init(directoryURL: URL, caPEM: Data? = nil, alsoTrustSystemRoots: Bool = false, egress: EgressPolicy? = nil,
                requestTimeout: Duration = .seconds(30), maxBadNonceRetries: Int = 10,
                maxResponseBytes: Int = 4 << 20, userAgent: String = "keyward-acme") {
        self.directoryURL = directoryURL
        self.caPEM = caPEM
        self.alsoTrustSystemRoots = alsoTrustSystemRoots
        self.egress = egress
        self.requestTimeout = requestTimeout
        self.maxBadNonceRetries = maxBadNonceRetries
        self.maxResponseBytes = maxResponseBytes
        self.userAgent = userAgent
    }

    /// Where Debian, Fedora and Alpine keep the system CA bundle (what libcurl trusts when given no bundle).
    static let systemBundlePaths = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"]

    /// The PEM bundle the transport trusts: nil (the system store), ``caPEM`` alone, or the system bundle plus it.
    var trustedPEM: Data? {
        guard let caPEM else { return nil }
        guard alsoTrustSystemRoots,
              let system = Self.systemBundlePaths.lazy.compactMap({ FileManager.default.contents(atPath: $0) }).first
        else { return caPEM }
        return system + Data("\n".utf8) + caPEM
    }
}
