/// The key types Keyward issues and accepts.
///
/// The set is deliberately the intersection of what cert-manager offers and what every mainstream TLS stack
/// verifies: P-521 and odd RSA sizes are refused rather than half-supported.
public enum KeyAlgorithm: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case ecdsaP256
    case ecdsaP384
    case rsa2048
    case rsa3072
    case rsa4096
    case ed25519

    /// ECDSA P-256: fast, small, universally supported.
    public static let `default`: KeyAlgorithm = .ecdsaP256

    public var isRSA: Bool {
        switch self {
        case .rsa2048, .rsa3072, .rsa4096: true
        case .ecdsaP256, .ecdsaP384, .ed25519: false
        }
    }

    public var isECDSA: Bool { self == .ecdsaP256 || self == .ecdsaP384 }

    /// Key size in bits (the curve size for ECDSA, 256 for Ed25519's group order bit length).
    public var keySize: Int {
        switch self {
        case .ecdsaP256: 256
        case .ecdsaP384: 384
        case .rsa2048: 2048
        case .rsa3072: 3072
        case .rsa4096: 4096
        case .ed25519: 256
        }
    }

    /// The cert-manager spelling of the algorithm family (`spec.privateKey.algorithm`).
    public var familyName: String {
        switch self {
        case .ecdsaP256, .ecdsaP384: "ECDSA"
        case .rsa2048, .rsa3072, .rsa4096: "RSA"
        case .ed25519: "Ed25519"
        }
    }

    public var description: String {
        switch self {
        case .ecdsaP256: "ECDSA P-256"
        case .ecdsaP384: "ECDSA P-384"
        case .rsa2048: "RSA 2048"
        case .rsa3072: "RSA 3072"
        case .rsa4096: "RSA 4096"
        case .ed25519: "Ed25519"
        }
    }

    /// Resolves cert-manager's `privateKey.algorithm` + `privateKey.size` pair.
    ///
    /// A missing family means ``default`` (Keyward prefers ECDSA P-256 where cert-manager picks RSA); RSA without a
    /// size is 2048, ECDSA without a size is 256, Ed25519 ignores the size as cert-manager does.
    /// Matching is case-insensitive because users write `rsa`, `RSA` and `Rsa` interchangeably.
    public init(family: String?, size: Int?) throws(IssuanceError) {
        let sizeField = "spec.privateKey.size"
        switch family?.lowercased() {
        case nil, "":
            guard size == nil || size == 256 else {
                throw .invalidField(field: sizeField, reason: "size \(size!) requires an explicit algorithm")
            }
            self = .default
        case "ecdsa":
            switch size ?? 256 {
            case 256: self = .ecdsaP256
            case 384: self = .ecdsaP384
            default: throw .invalidField(field: sizeField, reason: "ECDSA supports sizes 256 and 384, got \(size!)")
            }
        case "rsa":
            switch size ?? 2048 {
            case 2048: self = .rsa2048
            case 3072: self = .rsa3072
            case 4096: self = .rsa4096
            default:
                throw .invalidField(field: sizeField, reason: "RSA supports sizes 2048, 3072 and 4096, got \(size!)")
            }
        case "ed25519":
            self = .ed25519
        default:
            throw .invalidField(
                field: "spec.privateKey.algorithm",
                reason: "unsupported algorithm \"\(family!)\" (expected RSA, ECDSA or Ed25519)"
            )
        }
    }
}
