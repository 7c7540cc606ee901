/// Why a certificate could not be issued.
///
/// ``invalidField(field:reason:)`` means the request itself is wrong and retrying cannot help (the reconciler
/// reports it as InvalidSpec); the other cases concern the issuer or the platform.
public enum IssuanceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `field` is a path such as `spec.ipAddresses[1]`, matching the Certificate resource's field names.
    case invalidField(field: String, reason: String)
    /// The issuing CA cannot sign: not a CA, key does not match, expired, or unreadable.
    case invalidIssuer(reason: String)
    /// Signing or encoding failed below Keyward (should not happen with valid inputs).
    case signingFailed(reason: String)

    /// Whether the request (rather than the issuer or platform) is at fault.
    public var isInvalidSpec: Bool {
        if case .invalidField = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .invalidField(let field, let reason): "\(field): \(reason)"
        case .invalidIssuer(let reason): "invalid issuer: \(reason)"
        case .signingFailed(let reason): "signing failed: \(reason)"
        }
    }
}
