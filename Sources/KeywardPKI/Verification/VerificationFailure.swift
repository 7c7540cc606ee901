import Foundation

/// Why a certificate failed verification, phrased for a human (status messages, `keyward verify`).
public enum VerificationFailure: Sendable, Hashable, CustomStringConvertible {
    case noTrustRoots
    case notYetValid(notBefore: Date)
    case expired(notAfter: Date)
    /// No path to a trusted root satisfied RFC 5280 (signatures, CA flags, path length, validity of every link).
    case untrustedChain(reasons: [String])
    case nameMismatch(name: String)
    /// The leaf has an extendedKeyUsage without server auth, so it may not identify a TLS server.
    case notForServerAuth
    case crlUnreadable(reason: String)
    case crlWrongIssuer(crlIssuer: String, certificateIssuer: String)
    case crlBadSignature
    case crlNotYetValid(thisUpdate: Date)
    case crlExpired(nextUpdate: Date)
    case revoked(serialHex: String, reason: CRLReason, revocationDate: Date)

    public var description: String {
        switch self {
        case .noTrustRoots:
            "no trusted root certificates were supplied"
        case .notYetValid(let notBefore):
            "certificate is not valid before \(notBefore.formatted(.iso8601))"
        case .expired(let notAfter):
            "certificate expired at \(notAfter.formatted(.iso8601))"
        case .untrustedChain(let reasons):
            reasons.isEmpty
                ? "no chain to a trusted root could be built"
                : "no valid chain to a trusted root: \(reasons.joined(separator: "; "))"
        case .nameMismatch(let name):
            "certificate is not valid for \"\(name)\""
        case .notForServerAuth:
            "certificate's extended key usage does not include server auth"
        case .crlUnreadable(let reason):
            "CRL unusable, failing closed: \(reason)"
        case .crlWrongIssuer(let crlIssuer, let certificateIssuer):
            "CRL issued by \"\(crlIssuer)\", not by the certificate's issuer \"\(certificateIssuer)\""
        case .crlBadSignature:
            "CRL signature does not verify against the issuing CA, failing closed"
        case .crlNotYetValid(let thisUpdate):
            "CRL is not valid before \(thisUpdate.formatted(.iso8601)), failing closed"
        case .crlExpired(let nextUpdate):
            "CRL expired at \(nextUpdate.formatted(.iso8601)) (nextUpdate), failing closed"
        case .revoked(let serial, let reason, let date):
            "certificate \(serial) was revoked at \(date.formatted(.iso8601)) (reason: \(reason))"
        }
    }
}
