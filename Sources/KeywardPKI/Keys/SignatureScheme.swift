import Crypto
import SwiftASN1
import X509
import _CryptoExtras

/// The one signature algorithm Keyward uses per key type: ECDSA with the curve's matching hash, RSA PKCS#1 v1.5 with
/// SHA-256, pure Ed25519.
///
/// swift-certificates keeps its `AlgorithmIdentifier` and signing helpers internal; the CRL encoder needs both.
enum SignatureScheme: Sendable, Hashable {
    case ecdsaWithSHA256
    case ecdsaWithSHA384
    case sha256WithRSAEncryption
    case ed25519

    init(for key: PrivateKey) {
        switch key.backing {
        case .p256: self = .ecdsaWithSHA256
        case .p384: self = .ecdsaWithSHA384
        case .rsa: self = .sha256WithRSAEncryption
        case .ed25519: self = .ed25519
        }
    }

    init?(oid: ASN1ObjectIdentifier) {
        switch oid {
        case OID.ecdsaWithSHA256: self = .ecdsaWithSHA256
        case OID.ecdsaWithSHA384: self = .ecdsaWithSHA384
        case OID.sha256WithRSAEncryption: self = .sha256WithRSAEncryption
        case OID.ed25519: self = .ed25519
        default: return nil
        }
    }

    var oid: ASN1ObjectIdentifier {
        switch self {
        case .ecdsaWithSHA256: OID.ecdsaWithSHA256
        case .ecdsaWithSHA384: OID.ecdsaWithSHA384
        case .sha256WithRSAEncryption: OID.sha256WithRSAEncryption
        case .ed25519: OID.ed25519
        }
    }

    var certificateSignatureAlgorithm: Certificate.SignatureAlgorithm {
        switch self {
        case .ecdsaWithSHA256: .ecdsaWithSHA256
        case .ecdsaWithSHA384: .ecdsaWithSHA384
        case .sha256WithRSAEncryption: .sha256WithRSAEncryption
        case .ed25519: .ed25519
        }
    }

    /// AlgorithmIdentifier: RSA carries an explicit NULL parameter (RFC 4055), ECDSA and Ed25519 carry none
    /// (RFC 5758, RFC 8410).
    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(oid)
            if self == .sha256WithRSAEncryption { try coder.serialize(ASN1Null()) }
        }
    }

    /// Parses an AlgorithmIdentifier, accepting only the exact parameter encoding ``serialize(into:)`` emits.
    static func parse(_ node: ASN1Node) throws -> (oid: ASN1ObjectIdentifier, scheme: SignatureScheme?) {
        try DER.sequence(node, identifier: .sequence) { nodes in
            let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
            let parameters = nodes.next()
            let scheme = SignatureScheme(oid: oid)
            switch (scheme, parameters) {
            case (.sha256WithRSAEncryption?, let p?):
                _ = try ASN1Null(derEncoded: p)
            case (.sha256WithRSAEncryption?, nil), (_, nil):
                break
            case (_, .some):
                throw ASN1Error.invalidASN1Object(reason: "unexpected signature algorithm parameters")
            }
            return (oid, scheme)
        }
    }

    /// Signs `bytes`, returning the BIT STRING contents (DER ECDSA-Sig-Value for ECDSA, raw otherwise).
    static func sign(_ bytes: [UInt8], with key: PrivateKey) throws -> [UInt8] {
        switch key.backing {
        case .p256(let k): return Array(try k.signature(for: SHA256.hash(data: bytes)).derRepresentation)
        case .p384(let k): return Array(try k.signature(for: SHA384.hash(data: bytes)).derRepresentation)
        case .rsa(let k):
            return Array(
                try k.signature(for: SHA256.hash(data: bytes), padding: .insecurePKCS1v1_5).rawRepresentation
            )
        case .ed25519(let k): return Array(try k.signature(for: bytes))
        }
    }

    /// Verifies a signature made by the holder of `publicKey`.
    func isValid(signature: [UInt8], for bytes: [UInt8], publicKey: Certificate.PublicKey) -> Bool {
        publicKey.isValidSignature(signature, for: bytes, signatureAlgorithm: certificateSignatureAlgorithm)
    }
}
