/// Why a PEM input was rejected. Certificate-only: key parsing has its own redacting ``KeyError``.
public enum PEMError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input holds no `-----BEGIN ...-----` block at all.
    case noPEMBlocks
    /// The armour or base64 is broken.
    case malformedPEM(reason: String)
    /// A block of another type (e.g. a private key) where only certificates belong.
    case unexpectedBlockType(index: Int, found: String, expected: String)
    /// A `CERTIFICATE` block whose DER is not a parseable X.509 certificate.
    case invalidCertificate(index: Int, reason: String)

    public var description: String {
        switch self {
        case .noPEMBlocks:
            "no PEM block found"
        case .malformedPEM(let reason):
            "malformed PEM: \(reason)"
        case .unexpectedBlockType(let index, let found, let expected):
            "PEM block \(index) is \"\(found)\", expected \"\(expected)\""
        case .invalidCertificate(let index, let reason):
            "PEM block \(index) is not a valid X.509 certificate: \(reason)"
        }
    }
}
