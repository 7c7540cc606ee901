import Foundation

/// An authorization: the proof of control of one identifier (RFC 8555 §7.1.4).
public struct ACMEAuthorization: Sendable, Hashable, Decodable {
    public enum Status: String, Sendable, Hashable, Decodable { case pending, valid, invalid, deactivated, expired, revoked }

    public var url: URL
    public var status: Status
    public var identifier: ACMEIdentifier
    public var wildcard: Bool
    public var expires: Date?
    public var challenges: [ACMEChallenge]
    public var retryAfter: Date?

    enum CodingKeys: String, CodingKey { case status, identifier, wildcard, expires, challenges }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = URL(string: "about:blank")!  // set by the client from the request URL
        status = try c.decode(Status.self, forKey: .status)
        identifier = try c.decode(ACMEIdentifier.self, forKey: .identifier)
        wildcard = try c.decodeIfPresent(Bool.self, forKey: .wildcard) ?? false
        expires = try? c.decodeIfPresent(Date.self, forKey: .expires)
        challenges = try c.decodeIfPresent([ACMEChallenge].self, forKey: .challenges) ?? []
    }

    /// The challenge of `type` (e.g. `http-01`), if the server offers it.
    public func challenge(ofType type: String) -> ACMEChallenge? { challenges.first { $0.type == type } }

    /// The first challenge's problem, when one failed: what made this authorization invalid.
    public var failure: ACMEProblem? { challenges.lazy.compactMap(\.error).first }
}
