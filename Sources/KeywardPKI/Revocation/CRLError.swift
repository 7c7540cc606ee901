/// Why a CRL could not be produced or read.
public enum CRLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not PEM, not DER, or not a CertificateList.
    case malformed(reason: String)
    /// Well-formed but using something Keyward does not process (e.g. an unknown critical extension). RFC 5280
    /// forbids using such a CRL, so callers must treat it as unusable.
    case unsupported(reason: String)
    /// The CA cannot sign CRLs: key mismatch or keyUsage without cRLSign.
    case invalidIssuer(reason: String)
    /// nextUpdate not after thisUpdate, or a CRL number out of range.
    case invalidParameters(reason: String)
    case signingFailed(reason: String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed CRL: \(reason)"
        case .unsupported(let reason): "unsupported CRL: \(reason)"
        case .invalidIssuer(let reason): "CRL issuer cannot sign: \(reason)"
        case .invalidParameters(let reason): "invalid CRL parameters: \(reason)"
        case .signingFailed(let reason): "CRL signing failed: \(reason)"
        }
    }
}
