/// How a private key is written out as PEM.
///
/// Mirrors cert-manager's `privateKey.encoding`. ``pkcs1`` is the algorithm's traditional format: PKCS#1
/// `RSA PRIVATE KEY` for RSA and SEC1 `EC PRIVATE KEY` for ECDSA. Ed25519 has no traditional format, so it is
/// always PKCS#8 regardless of this setting.
public enum PrivateKeyEncoding: String, Sendable, Hashable, CaseIterable, Codable {
    case pkcs1 = "PKCS1"
    case pkcs8 = "PKCS8"

    /// Parses cert-manager's spelling (`PKCS1` / `PKCS8`, case-insensitive); nil or empty means ``pkcs1``.
    public init(specValue: String?) throws(IssuanceError) {
        switch specValue?.uppercased() {
        case nil, "", "PKCS1": self = .pkcs1
        case "PKCS8": self = .pkcs8
        default:
            throw .invalidField(
                field: "spec.privateKey.encoding",
                reason: "unsupported encoding \"\(specValue!)\" (expected PKCS1 or PKCS8)"
            )
        }
    }
}
