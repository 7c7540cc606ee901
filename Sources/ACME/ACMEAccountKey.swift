import Crypto
import _CryptoExtras
import Foundation

/// An ACME account key: ECDSA P-256 (JWS `ES256`) or RSA of at least 2048 bits (`RS256`).
///
/// Its description names the algorithm and the JWK thumbprint only, never key material.
public struct ACMEAccountKey: Sendable, CustomStringConvertible {
    enum Backing: Sendable {
        /// The raw scalar: swift-crypto's P256 key is not Sendable on Linux, so it is rebuilt to sign.
        case p256(rawRepresentation: Data)
        case rsa(_RSA.Signing.PrivateKey)
    }

    let backing: Backing
    /// The public JWK as RFC 7638 orders it (members sorted, no whitespace): both the `jwk` header and the input of
    /// the thumbprint.
    public let jwkJSON: String

    /// A fresh P-256 key (what Keyward generates for a new account).
    public static func generateP256() -> ACMEAccountKey { ACMEAccountKey(p256: P256.Signing.PrivateKey()) }

    /// A fresh RSA key of `bits` (2048, 3072 or 4096).
    public static func generateRSA(bits: Int = 2048) throws(ACMEError) -> ACMEAccountKey {
        do { return ACMEAccountKey(rsa: try _RSA.Signing.PrivateKey(keySize: .init(bitCount: bits))) } catch {
            throw .invalidKey(detail: "cannot generate an RSA key of \(bits) bits")
        }
    }

    /// Reads a PEM private key: EC P-256 (SEC 1 or PKCS#8) or RSA (PKCS#1 or PKCS#8, at least 2048 bits).
    public init(pemRepresentation pem: String) throws(ACMEError) {
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            self.init(p256: key)
            return
        }
        if let key = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) {
            guard key.keySizeInBits >= 2048 else {
                throw .invalidKey(detail: "the RSA account key has \(key.keySizeInBits) bits; at least 2048 are required")
            }
            self.init(rsa: key)
            return
        }
        throw .invalidKey(detail: "the account key is neither an EC P-256 nor an RSA private key in PEM")
    }

    init(p256 key: P256.Signing.PrivateKey) {
        backing = .p256(rawRepresentation: key.rawRepresentation)
        let point = Array(key.publicKey.x963Representation)  // 04 || x || y
        let x = Base64URL.encode(point[1..<33]), y = Base64URL.encode(point[33..<65])
        jwkJSON = #"{"crv":"P-256","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
    }

    init(rsa key: _RSA.Signing.PrivateKey) {
        backing = .rsa(key)
        // getKeyPrimitives cannot fail for a key BoringSSL already holds; an empty JWK would be refused by the CA.
        let primitives = try? key.publicKey.getKeyPrimitives()
        let n = Base64URL.encode(Array(primitives?.modulus ?? Data()).drop { $0 == 0 })
        let e = Base64URL.encode(Array(primitives?.publicExponent ?? Data()).drop { $0 == 0 })
        jwkJSON = #"{"e":"\#(e)","kty":"RSA","n":"\#(n)"}"#
    }

    /// The JWS `alg`.
    public var algorithm: String {
        switch backing {
        case .p256: "ES256"
        case .rsa: "RS256"
        }
    }

    /// PKCS#8 PEM, for the Secret that keeps the account key.
    public var pemRepresentation: String {
        switch backing {
        case .p256(let raw): (try? P256.Signing.PrivateKey(rawRepresentation: raw))?.pemRepresentation ?? ""
        case .rsa(let key): key.pemRepresentation
        }
    }

    /// RFC 7638 JWK thumbprint: base64url(SHA-256(canonical JWK)).
    public var jwkThumbprint: String { Base64URL.encode(SHA256.hash(data: Data(jwkJSON.utf8))) }

    /// The JWS signature over `signingInput`: raw r‖s for ES256, PKCS #1 v1.5 for RS256.
    func sign(_ signingInput: Data) throws(ACMEError) -> [UInt8] {
        do {
            switch backing {
            case .p256(let raw):
                return Array(try P256.Signing.PrivateKey(rawRepresentation: raw).signature(for: signingInput).rawRepresentation)
            case .rsa(let key): return Array(try key.signature(for: signingInput, padding: .insecurePKCS1v1_5).rawRepresentation)
            }
        } catch {
            throw .invalidKey(detail: "signing with the \(algorithm) account key failed")
        }
    }

    public var description: String { "ACMEAccountKey(\(algorithm), thumbprint \(jwkThumbprint))" }
}
