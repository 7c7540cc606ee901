import Foundation

/// An account resource (RFC 8555 §7.1.2) and the URL that identifies it (the `kid` of later requests).
public struct ACMEAccount: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, Decodable { case valid, deactivated, revoked }

    public var url: URL
    public var status: Status
    public var contact: [String]
    /// Whether this response created the account (201) rather than finding an existing one (200).
    public var created: Bool

    struct Wire: Decodable {
        var status: Status
        var contact: [String]?
    }
}
