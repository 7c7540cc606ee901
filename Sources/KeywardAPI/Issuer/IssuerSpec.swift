import Foundation

/// What an `Issuer` or `ClusterIssuer` signs with: exactly one of ``selfSigned`` or ``ca`` (an `acme` member is
/// the next issuer kind; it goes here, next to these).
public struct IssuerSpec: Codable, Sendable, Hashable {
    public var selfSigned: SelfSigned?
    public var ca: CA?

    public init(selfSigned: SelfSigned? = nil, ca: CA? = nil) {
        self.selfSigned = selfSigned
        self.ca = ca
    }

    public static let selfSigned = IssuerSpec(selfSigned: SelfSigned())
    public static func ca(secretName: String) -> IssuerSpec { IssuerSpec(ca: CA(secretName: secretName)) }

    /// The one signing mechanism the spec names, or nil unless exactly one is set.
    public var kind: Kind? {
        switch (selfSigned, ca) {
        case (.some, nil): .selfSigned
        case (nil, .some(let ca)): .ca(secretName: ca.secretName)
        default: nil
        }
    }

    public enum Kind: Sendable, Hashable {
        case selfSigned
        /// A CA pair (`tls.crt`, `tls.key`, optional `ca.crt`) in a Secret: the Issuer's own namespace, or for a
        /// ClusterIssuer the controller's cluster resource namespace.
        case ca(secretName: String)
    }

    /// Every Certificate referencing the issuer signs itself.
    public struct SelfSigned: Codable, Sendable, Hashable {
        public init() {}
    }

    public struct CA: Codable, Sendable, Hashable {
        /// Name of a Secret holding the CA certificate (`tls.crt`) and its key (`tls.key`).
        public var secretName: String

        public init(secretName: String) { self.secretName = secretName }

        enum CodingKeys: String, CodingKey { case secretName }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            // Absent decodes as empty so validation names the field instead of the decoder failing.
            secretName = try c.decode(.secretName, or: "")
        }
    }
}
