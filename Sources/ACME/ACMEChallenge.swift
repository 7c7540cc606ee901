import Foundation

/// One challenge of an authorization (RFC 8555 §7.1.5, §8).
public struct ACMEChallenge: Sendable, Hashable, Decodable {
    public enum Status: String, Sendable, Hashable, Decodable { case pending, processing, valid, invalid }

    public var url: URL
    /// `http-01`, `dns-01`, `tls-alpn-01`, …
    public var type: String
    public var status: Status
    public var token: String
    /// Why validation failed: the CA's problem document, verbatim.
    public var error: ACMEProblem?
    public var validated: Date?
    /// The server's Retry-After on the response this came from; the caller polls no earlier.
    public var retryAfter: Date?

    enum CodingKeys: String, CodingKey { case url, type, status, token, error, validated }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = try c.decode(URL.self, forKey: .url)
        type = try c.decode(String.self, forKey: .type)
        status = try c.decode(Status.self, forKey: .status)
        token = try c.decodeIfPresent(String.self, forKey: .token) ?? ""
        error = try? c.decodeIfPresent(ACMEProblem.self, forKey: .error)
        validated = try? c.decodeIfPresent(Date.self, forKey: .validated)
    }
}
