import Foundation

/// An RFC 7807 problem document as ACME servers send them (RFC 8555 §6.7), with its subproblems. The CA's words
/// carry no secrets, so the description repeats them verbatim for conditions and Events.
public struct ACMEProblem: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// e.g. `urn:ietf:params:acme:error:rateLimited`.
    public var type: String
    public var detail: String?
    public var status: Int?
    public var identifier: ACMEIdentifier?
    public var subproblems: [ACMEProblem]

    public init(type: String, detail: String? = nil, status: Int? = nil, identifier: ACMEIdentifier? = nil,
                subproblems: [ACMEProblem] = []) {
        self.type = type
        self.detail = detail
        self.status = status
        self.identifier = identifier
        self.subproblems = subproblems
    }

    enum CodingKeys: String, CodingKey { case type, detail, status, identifier, subproblems }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decodeIfPresent(String.self, forKey: .type) ?? "about:blank"
        detail = try c.decodeIfPresent(String.self, forKey: .detail)
        status = try? c.decodeIfPresent(Int.self, forKey: .status)
        identifier = try? c.decodeIfPresent(ACMEIdentifier.self, forKey: .identifier)
        subproblems = (try? c.decodeIfPresent([ACMEProblem].self, forKey: .subproblems)) ?? []
    }

    static let prefix = "urn:ietf:params:acme:error:"

    /// The ACME error name without its URN prefix (`badNonce`, `rateLimited`, …), or the whole type otherwise.
    public var shortType: String { type.hasPrefix(Self.prefix) ? String(type.dropFirst(Self.prefix.count)) : type }

    public var isBadNonce: Bool { shortType == "badNonce" }
    public var isRateLimited: Bool { shortType == "rateLimited" }
    public var isAccountDoesNotExist: Bool { shortType == "accountDoesNotExist" }
    public var isExternalAccountRequired: Bool { shortType == "externalAccountRequired" }

    /// `type: detail` then each subproblem as `; identifier: type: detail`.
    public var description: String {
        var text = detail.map { "\(type): \($0)" } ?? type
        for sub in subproblems {
            let who = sub.identifier.map { "\($0.value): " } ?? ""
            text += "; \(who)\(sub.type)" + (sub.detail.map { ": \($0)" } ?? "")
        }
        return text
    }
}
