import Foundation

/// An order (RFC 8555 §7.1.3). Its ``url`` is what a controller persists to resume the same order after a restart.
public struct ACMEOrder: Sendable, Hashable, Decodable {
    public enum Status: String, Sendable, Hashable, Decodable { case pending, ready, processing, valid, invalid }

    public var url: URL
    public var status: Status
    public var expires: Date?
    public var identifiers: [ACMEIdentifier]
    public var authorizationURLs: [URL]
    public var finalizeURL: URL
    /// Set once the order is `valid`.
    public var certificateURL: URL?
    /// Why the order became invalid: the CA's problem document, verbatim.
    public var error: ACMEProblem?
    /// RFC 9773: the ARI certificate ID this order replaces.
    public var replaces: String?
    public var profile: String?
    /// The server's Retry-After on the response this came from (while `processing`); the caller polls no earlier.
    public var retryAfter: Date?

    enum CodingKeys: String, CodingKey {
        case status, expires, identifiers, authorizations, finalize, certificate, error, replaces, profile
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = URL(string: "about:blank")!  // set by the client from Location or the request URL
        status = try c.decode(Status.self, forKey: .status)
        expires = try? c.decodeIfPresent(Date.self, forKey: .expires)
        identifiers = try c.decodeIfPresent([ACMEIdentifier].self, forKey: .identifiers) ?? []
        authorizationURLs = try c.decodeIfPresent([URL].self, forKey: .authorizations) ?? []
        finalizeURL = try c.decode(URL.self, forKey: .finalize)
        certificateURL = try? c.decodeIfPresent(URL.self, forKey: .certificate)
        error = try? c.decodeIfPresent(ACMEProblem.self, forKey: .error)
        replaces = try? c.decodeIfPresent(String.self, forKey: .replaces)
        profile = try? c.decodeIfPresent(String.self, forKey: .profile)
    }
}
