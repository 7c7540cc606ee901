/// Why a private key could not be read or made.
///
/// Messages name the format and the defect but never include key material, so they are safe to log and to put in
/// a Kubernetes status condition.
public enum KeyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input holds no PEM block, or the armour/base64 is broken.
    case notPEM
    /// The PEM holds no private-key block (e.g. only certificates).
    case noPrivateKey(foundBlocks: [String])
    /// More than one private-key block: which one is meant is ambiguous, so none is used.
    case multiplePrivateKeys(count: Int)
    /// `Proc-Type: 4,ENCRYPTED` or `ENCRYPTED PRIVATE KEY`: Keyward has no passphrase to decrypt with.
    case encryptedKey
    /// The block decodes but its ASN.1 or key value is invalid for `format`.
    case malformedKey(format: String, reason: String)
    /// A well-formed key of a kind Keyward does not issue (e.g. P-521, RSA 1024).
    case unsupportedAlgorithm(String)
    /// The platform's key generator failed.
    case generationFailed(algorithm: KeyAlgorithm)

    public var description: String {
        switch self {
        case .notPEM:
            "private key is not PEM-encoded"
        case .noPrivateKey(let found):
            found.isEmpty
                ? "no private key block found"
                : "no private key block found (found \(found.map { "\"\($0)\"" }.joined(separator: ", ")))"
        case .multiplePrivateKeys(let count):
            "\(count) private key blocks found, expected exactly one"
        case .encryptedKey:
            "encrypted private keys are not supported"
        case .malformedKey(let format, let reason):
            "malformed \(format) private key: \(reason)"
        case .unsupportedAlgorithm(let name):
            "unsupported private key algorithm: \(name)"
        case .generationFailed(let algorithm):
            "could not generate a \(algorithm) private key"
        }
    }
}
