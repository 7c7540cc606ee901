import Foundation

/// What an `Issuer` or `ClusterIssuer` signs with: exactly one of ``selfSigned``, ``ca`` or ``acme``.
public struct IssuerSpec: Codable, Sendable, Hashable {
    public var selfSigned: SelfSigned?
    public var ca: CA?
    /// An RFC 8555 CA (Let's Encrypt and others): see ``ACME``.
    public var acme: ACME?

    public init(selfSigned: SelfSigned? = nil, ca: CA? = nil, acme: ACME? = nil) {
        self.selfSigned = selfSigned
        self.ca = ca
        self.acme = acme
    }

    public static let selfSigned = IssuerSpec(selfSigned: SelfSigned())
    public static func ca(secretName: String) -> IssuerSpec { IssuerSpec(ca: CA(secretName: secretName)) }

    /// The one signing mechanism the spec names, or nil unless exactly one is set.
    public var kind: Kind? {
        switch (selfSigned, ca, acme) {
        case (.some, nil, nil): .selfSigned
        case (nil, .some(let ca), nil): .ca(secretName: ca.secretName)
        case (nil, nil, .some(let acme)): .acme(acme)
        default: nil
        }
    }

    public enum Kind: Sendable, Hashable {
        case selfSigned
        /// A CA pair (`tls.crt`, `tls.key`, optional `ca.crt`) in a Secret: the Issuer's own namespace, or for a
        /// ClusterIssuer the controller's cluster resource namespace.
        case ca(secretName: String)
        /// An ACME account at `server`; its key and any EAB or TSIG Secrets live where a `ca` issuer's Secret would.
        case acme(ACME)
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

extension IssuerSpec.Kind: CustomStringConvertible {
    /// How reports name the kind: `selfSigned`, `ca(secretName: "x")`, `acme(server: "https://…")`.
    public var description: String {
        switch self {
        case .selfSigned: "selfSigned"
        case .ca(let secretName): "ca(secretName: \"\(secretName)\")"
        case .acme(let acme): "acme(server: \"\(acme.server)\")"
        }
    }
}
