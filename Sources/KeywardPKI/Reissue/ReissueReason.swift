import Foundation

/// Why the stored certificate must be replaced. An empty list means keep it.
public enum ReissueReason: Sendable, Hashable, CustomStringConvertible {
    case missingCertificate
    case unreadableCertificate(reason: String)
    case missingPrivateKey
    /// `reason` comes from ``KeyError`` and never contains key material.
    case unreadablePrivateKey(reason: String)
    /// The certificate certifies a different public key than the stored private key.
    case keyMismatch
    /// `current` is nil when the stored key's type is one Keyward does not issue.
    case keyAlgorithmChanged(current: KeyAlgorithm?, desired: KeyAlgorithm)
    case commonNameChanged
    case dnsNamesChanged
    case ipAddressesChanged
    case urisChanged
    case emailAddressesChanged
    case subjectChanged
    case usagesChanged
    case isCAChanged
    case maxPathLengthChanged
    case crlDistributionPointsChanged
    /// The certificate no longer chains to the expected issuer (CA rotated, or switched to/from self-signed).
    case issuerChanged(reason: String)
    case expired(notAfter: Date)
    case notYetValid(notBefore: Date)
    case renewalDue(renewalTime: Date)

    public var description: String {
        switch self {
        case .missingCertificate: "no certificate stored"
        case .unreadableCertificate(let reason): "stored certificate unreadable: \(reason)"
        case .missingPrivateKey: "no private key stored"
        case .unreadablePrivateKey(let reason): "stored private key unreadable: \(reason)"
        case .keyMismatch: "stored private key does not match the certificate"
        case .keyAlgorithmChanged(let current, let desired):
            "key algorithm is \(current.map { "\($0)" } ?? "unsupported"), want \(desired)"
        case .commonNameChanged: "commonName differs from spec"
        case .dnsNamesChanged: "dnsNames differ from spec"
        case .ipAddressesChanged: "ipAddresses differ from spec"
        case .urisChanged: "uris differ from spec"
        case .emailAddressesChanged: "emailAddresses differ from spec"
        case .subjectChanged: "subject differs from spec"
        case .usagesChanged: "usages differ from spec"
        case .isCAChanged: "isCA differs from spec"
        case .maxPathLengthChanged: "maxPathLength differs from spec"
        case .crlDistributionPointsChanged: "CRL distribution points differ from spec"
        case .issuerChanged(let reason): "issuer changed: \(reason)"
        case .expired(let notAfter): "certificate expired at \(notAfter.formatted(.iso8601))"
        case .notYetValid(let notBefore): "certificate not valid until \(notBefore.formatted(.iso8601))"
        case .renewalDue(let time): "renewal was due at \(time.formatted(.iso8601))"
        }
    }
}
