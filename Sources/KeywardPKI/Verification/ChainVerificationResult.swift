/// The outcome of ``ChainVerifier/verify(leaf:intermediates:at:dnsName:crl:)``. Verification outcomes are values,
/// not errors: a bad certificate is an expected answer.
public enum ChainVerificationResult: Sendable, Hashable, CustomStringConvertible {
    case valid
    case invalid(VerificationFailure)

    public var isValid: Bool { self == .valid }

    public var failure: VerificationFailure? {
        if case .invalid(let failure) = self { return failure }
        return nil
    }

    public var description: String {
        switch self {
        case .valid: "valid"
        case .invalid(let failure): "invalid: \(failure)"
        }
    }
}
