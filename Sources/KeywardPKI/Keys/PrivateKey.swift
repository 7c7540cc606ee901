import Crypto
import KeywardCore
import X509
import _CryptoExtras

/// A private key of one of the ``KeyAlgorithm``s, able to sign certificates and CRLs.
///
/// Holds the concrete swift-crypto key (rather than X509's opaque `Certificate.PrivateKey`) so the algorithm and
/// size can be read back and so Keyward can produce each PEM flavour itself. Printing it never reveals the key.
public struct PrivateKey: Sendable {
    /// `@unchecked` because swift-crypto does not mark its key types Sendable on Linux; they are immutable after
    /// construction (BoringSSL only reads the key when signing), which is what Sendable requires.
    enum Backing: @unchecked Sendable {
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }

    let backing: Backing

    init(backing: Backing) {
        self.backing = backing
    }

    /// A fresh key from the system's cryptographic RNG. RSA 4096 takes around a second.
    public static func generate(_ algorithm: KeyAlgorithm = .default) throws(KeyError) -> PrivateKey {
        switch algorithm {
        case .ecdsaP256:
            let key = randomScalarKey(byteCount: 32) { try P256.Signing.PrivateKey(rawRepresentation: $0) }
            return PrivateKey(backing: .p256(key ?? P256.Signing.PrivateKey(compactRepresentable: false)))
        case .ecdsaP384:
            let key = randomScalarKey(byteCount: 48) { try P384.Signing.PrivateKey(rawRepresentation: $0) }
            return PrivateKey(backing: .p384(key ?? P384.Signing.PrivateKey(compactRepresentable: false)))
        case .ed25519: return PrivateKey(backing: .ed25519(Curve25519.Signing.PrivateKey()))
        case .rsa2048, .rsa3072, .rsa4096:
            do {
                let key = try _RSA.Signing.PrivateKey(keySize: _RSA.Signing.KeySize(bitCount: algorithm.keySize))
                return PrivateKey(backing: .rsa(key))
            } catch {
                throw .generationFailed(algorithm: algorithm)
            }
        }
    }

    /// A NIST-curve key whose scalar is drawn from the system's cryptographic RNG. BoringSSL refuses 0 and anything
    /// not below the group order, so drawing again until it accepts is rejection sampling, uniform over [1, n−1]
    /// (a redraw happens about once in 2³² keys): what `EC_KEY_generate_key` does inside. swift-crypto's own
    /// generation adds FIPS 140's pairwise sign-and-verify test, two thirds of a key's cost, and by default retries
    /// until the point is "compact representable" (x alone identifies it), a form X.509 never uses.
    static func randomScalarKey<Key>(byteCount: Int, _ make: ([UInt8]) throws -> Key) -> Key? {
        for _ in 0..<8 {
            var scalar = SecureRandom.bytes(byteCount)
            defer { scalar.withUnsafeMutableBytes { raw in _ = raw.initializeMemory(as: UInt8.self, repeating: 0) } }
            if let key = try? make(scalar) { return key }
        }
        return nil
    }

    /// The algorithm (and for RSA the size) of this key.
    public var algorithm: KeyAlgorithm {
        switch backing {
        case .p256: return .ecdsaP256
        case .p384: return .ecdsaP384
        case .ed25519: return .ed25519
        case .rsa(let key):
            // Parsing refuses other sizes, so only these three can occur.
            switch key.keySizeInBits {
            case 2048: return .rsa2048
            case 3072: return .rsa3072
            default: return .rsa4096
            }
        }
    }

    public var publicKey: Certificate.PublicKey {
        switch backing {
        case .p256(let key): Certificate.PublicKey(key.publicKey)
        case .p384(let key): Certificate.PublicKey(key.publicKey)
        case .rsa(let key): Certificate.PublicKey(key.publicKey)
        case .ed25519(let key): Certificate.PublicKey(key.publicKey)
        }
    }

    /// Whether `certificate` certifies this key's public half.
    public func matches(_ certificate: Certificate) -> Bool {
        certificate.publicKey == publicKey
    }

    /// The same key as swift-certificates' signing type.
    var certificatePrivateKey: Certificate.PrivateKey {
        switch backing {
        case .p256(let key): Certificate.PrivateKey(key)
        case .p384(let key): Certificate.PrivateKey(key)
        case .rsa(let key): Certificate.PrivateKey(key)
        case .ed25519(let key): Certificate.PrivateKey(key)
        }
    }
}

extension PrivateKey: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { "PrivateKey(\(algorithm), <redacted>)" }
    public var debugDescription: String { description }
}
