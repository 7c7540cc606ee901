import Crypto
import Foundation
import _CryptoExtras

/// A fresh private key as PKCS#8 PEM (`BEGIN PRIVATE KEY`), with its public key as SPKI PEM.
///
/// Field names follow cert-manager's `privateKey` (`algorithm`, `size`) since that is what users of a certificate
/// operator already write.
public struct PrivateKeyGenerator: SecretGenerator, Hashable {
    public enum Algorithm: String, Sendable, Hashable, CaseIterable, Codable {
        case ecdsa = "ECDSA"
        case rsa = "RSA"
        case ed25519 = "Ed25519"

        /// Allowed `size` values, the first being the default.
        public var sizes: [Int] {
            switch self {
            case .ecdsa: [256, 384]
            case .rsa: [2048, 3072, 4096]
            case .ed25519: []
            }
        }
    }

    public var algorithm: Algorithm
    /// Curve size for ECDSA (256 → P-256, 384 → P-384), modulus bits for RSA, absent for Ed25519.
    /// `nil` means the algorithm's default (P-256, RSA-2048).
    public var size: Int?

    public init(algorithm: Algorithm = .ecdsa, size: Int? = nil) {
        self.algorithm = algorithm
        self.size = size
    }

    public var outputKeys: [String] { ["privateKey", "publicKey"] }

    public func validate() throws(GeneratorError) {
        _ = try effectiveSize()
    }

    private func effectiveSize() throws(GeneratorError) -> Int? {
        guard let size else { return algorithm.sizes.first }
        guard algorithm.sizes.contains(size) else {
            let reason =
                algorithm.sizes.isEmpty
                ? "\(algorithm.rawValue) keys have a fixed size; omit size"
                : "\(algorithm.rawValue) supports \(algorithm.sizes.map(String.init).joined(separator: ", "))"
                    + ", got \(size)"
            throw .invalidOption(field: "size", reason: reason)
        }
        return size
    }

    public func generate() throws(GeneratorError) -> GeneratedSecret {
        let size = try effectiveSize()
        let (privatePEM, publicPEM): (String, String)
        switch (algorithm, size) {
        case (.ecdsa, 384):
            let key = P384.Signing.PrivateKey()
            (privatePEM, publicPEM) = (key.pemRepresentation, key.publicKey.pemRepresentation)
        case (.ecdsa, _):
            let key = P256.Signing.PrivateKey()
            (privatePEM, publicPEM) = (key.pemRepresentation, key.publicKey.pemRepresentation)
        case (.rsa, let bits):
            let keySize: _RSA.Signing.KeySize =
                switch bits {
                case 3072: .bits3072
                case 4096: .bits4096
                default: .bits2048
                }
            do {
                let key = try _RSA.Signing.PrivateKey(keySize: keySize)
                (privatePEM, publicPEM) = (key.pkcs8PEMRepresentation, key.publicKey.pemRepresentation)
            } catch {
                throw .keyGenerationFailed(algorithm: "RSA-\(bits ?? 0)", reason: String(describing: error))
            }
        case (.ed25519, _):
            let key = Curve25519.Signing.PrivateKey()
            (privatePEM, publicPEM) = (
                PEM.encode(type: "PRIVATE KEY", der: Self.ed25519PKCS8Prefix + Array(key.rawRepresentation)),
                PEM.encode(type: "PUBLIC KEY", der: Self.ed25519SPKIPrefix + Array(key.publicKey.rawRepresentation))
            )
        }
        return GeneratedSecret([
            "privateKey": GeneratedValue(PEM.terminated(privatePEM)),
            "publicKey": GeneratedValue(PEM.terminated(publicPEM)),
        ])
    }

    /// RFC 8410 PKCS#8 for Ed25519 is fixed-length: this DER header, then the 32-byte seed.
    /// SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32) } }
    static let ed25519PKCS8Prefix: [UInt8] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]
    /// SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (0 unused bits, 32 bytes) }
    static let ed25519SPKIPrefix: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]
}
