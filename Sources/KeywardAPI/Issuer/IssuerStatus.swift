import Foundation
import KubernetesClient

/// What the issuer controller observed about an `Issuer` or `ClusterIssuer`. Written only through `/status`.
public struct IssuerStatus: Codable, Sendable, Hashable {
    /// `Ready` (``IssuerConditionType/ready``) with a reason from ``IssuerReason``.
    public var conditions: [Condition]
    public var observedGeneration: Int64?
    /// SHA-256 of the CA certificate's DER (lower-case hex) for a `ca` issuer; a change re-issues its leaves.
    public var caFingerprintSHA256: String?
    /// When the CA certificate expires.
    public var caNotAfter: Date?
    /// The account of an `acme` issuer.
    public var acme: ACME?

    public init(conditions: [Condition] = [], observedGeneration: Int64? = nil, caFingerprintSHA256: String? = nil,
                caNotAfter: Date? = nil, acme: ACME? = nil) {
        self.conditions = conditions
        self.observedGeneration = observedGeneration
        self.caFingerprintSHA256 = caFingerprintSHA256
        self.caNotAfter = caNotAfter
        self.acme = acme
    }

    enum CodingKeys: String, CodingKey { case conditions, observedGeneration, caFingerprintSHA256, caNotAfter, acme }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        conditions = try c.decode(.conditions, or: [])
        observedGeneration = try c.decodeIfPresent(.observedGeneration)
        caFingerprintSHA256 = try c.decodeIfPresent(.caFingerprintSHA256)
        caNotAfter = try c.decodeIfPresent(.caNotAfter)
        acme = try c.decodeIfPresent(.acme)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeUnlessEmpty(conditions, forKey: .conditions)
        try c.encodeIfPresent(observedGeneration, forKey: .observedGeneration)
        try c.encodeIfPresent(caFingerprintSHA256, forKey: .caFingerprintSHA256)
        try c.encodeIfPresent(caNotAfter, forKey: .caNotAfter)
        try c.encodeIfPresent(acme, forKey: .acme)
    }
}

/// Condition types on an issuer's status.
public enum IssuerConditionType {
    /// True while Certificates referencing the issuer can be signed.
    public static let ready = "Ready"
}

/// CamelCase reasons of an issuer's `Ready` condition.
public enum IssuerReason {
    /// A self-signed issuer is always ready.
    public static let selfSigned = "SelfSigned"
    /// The CA Secret holds a usable CA certificate and matching key.
    public static let keyPairVerified = "KeyPairVerified"
    /// The CA Secret does not exist (in the namespace the message names).
    public static let secretNotFound = "SecretNotFound"
    /// The CA Secret exists but its pair cannot sign: unreadable, mismatched, not a CA, not yet or no longer valid.
    public static let invalidKeyPair = "InvalidKeyPair"
    public static let invalidSpec = "InvalidSpec"
    /// An ACME account is registered (or was found) at the server; `status.acme.uri` names it.
    public static let accountRegistered = "ACMEAccountRegistered"
    /// The ACME server refused the account (a problem document, EAB required or wrong): the message says why.
    public static let accountRegistrationFailed = "ACMEAccountRegistrationFailed"
    /// The account key Secret holds a different key than the registered account's: refused, not re-registered.
    public static let accountKeyChanged = "ACMEAccountKeyChanged"
    /// The ACME directory could not be reached or read.
    public static let serverUnreachable = "ACMEServerUnreachable"
}
