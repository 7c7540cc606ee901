import Crypto
import Foundation
import SwiftASN1
import _CryptoExtras

extension PrivateKey {
    static let rsaBlockType = "RSA PRIVATE KEY"
    static let sec1BlockType = "EC PRIVATE KEY"
    static let pkcs8BlockType = "PRIVATE KEY"
    static let encryptedPKCS8BlockType = "ENCRYPTED PRIVATE KEY"

    /// Reads PKCS#1 (`RSA PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`: RSA, EC, Ed25519).
    ///
    /// Other blocks (e.g. a certificate in a combined file) are ignored, but exactly one key block must be present.
    public init(pemEncoded pem: String) throws(KeyError) {
        if pem.contains("Proc-Type: 4,ENCRYPTED") { throw .encryptedKey }
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: pem)
        } catch {
            throw .notPEM
        }
        guard !documents.isEmpty else { throw .notPEM }
        let keyTypes = [Self.rsaBlockType, Self.sec1BlockType, Self.pkcs8BlockType]
        let keyBlocks = documents.filter { keyTypes.contains($0.discriminator) }
        if keyBlocks.isEmpty, documents.contains(where: { $0.discriminator == Self.encryptedPKCS8BlockType }) {
            throw .encryptedKey
        }
        guard keyBlocks.count == 1, let block = keyBlocks.first else {
            if keyBlocks.isEmpty { throw .noPrivateKey(foundBlocks: documents.map(\.discriminator)) }
            throw .multiplePrivateKeys(count: keyBlocks.count)
        }
        switch block.discriminator {
        case Self.rsaBlockType: self = try Self.parsePKCS1(block.derBytes[...])
        case Self.sec1BlockType: self = try Self.parseSEC1(block.derBytes[...], curve: nil, format: "SEC1")
        default: self = try Self.parsePKCS8(block.derBytes)
        }
    }

    /// The key as PEM, newline-terminated. See ``PrivateKeyEncoding`` for what `pkcs1` means per algorithm.
    public func pemEncoded(encoding: PrivateKeyEncoding = .pkcs1) -> String {
        switch (backing, encoding) {
        case (.rsa(let key), .pkcs1):
            return PEMBundle.pemBlock(type: Self.rsaBlockType, der: Array(key.derRepresentation))
        case (.rsa(let key), .pkcs8):
            return PEMBundle.pemBlock(type: Self.pkcs8BlockType, der: Self.pkcs8(
                algorithm: OID.rsaEncryption, nullParameters: true, privateKey: Array(key.derRepresentation)
            ))
        case (.p256(let key), .pkcs1):
            return PEMBundle.pemBlock(type: Self.sec1BlockType, der: Self.sec1(
                raw: key.rawRepresentation, curve: OID.prime256v1, publicKey: key.publicKey.x963Representation
            ))
        case (.p384(let key), .pkcs1):
            return PEMBundle.pemBlock(type: Self.sec1BlockType, der: Self.sec1(
                raw: key.rawRepresentation, curve: OID.secp384r1, publicKey: key.publicKey.x963Representation
            ))
        case (.p256(let key), .pkcs8):
            return PEMBundle.pemBlock(type: Self.pkcs8BlockType, der: Array(key.derRepresentation))
        case (.p384(let key), .pkcs8):
            return PEMBundle.pemBlock(type: Self.pkcs8BlockType, der: Array(key.derRepresentation))
        case (.ed25519(let key), _):
            // RFC 8410: the PKCS#8 privateKey OCTET STRING wraps a CurvePrivateKey OCTET STRING.
            var inner = DER.Serializer()
            try! inner.serialize(ASN1OctetString(contentBytes: ArraySlice(key.rawRepresentation)))
            return PEMBundle.pemBlock(type: Self.pkcs8BlockType, der: Self.pkcs8(
                algorithm: OID.ed25519, nullParameters: false, privateKey: inner.serializedBytes
            ))
        }
    }

    // MARK: Encoding

    /// ECPrivateKey (RFC 5915) with the curve and public key included, as OpenSSL writes it.
    static func sec1(raw: Data, curve: ASN1ObjectIdentifier, publicKey: Data) -> [UInt8] {
        var serializer = DER.Serializer()
        try! serializer.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(1)
            try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(raw)))
            try coder.serialize(curve, explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
            try coder.serialize(
                ASN1BitString(bytes: ArraySlice(publicKey)), explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific
            )
        }
        return serializer.serializedBytes
    }

    /// PrivateKeyInfo (RFC 5208) version 0.
    static func pkcs8(algorithm: ASN1ObjectIdentifier, nullParameters: Bool, privateKey: [UInt8]) -> [UInt8] {
        var serializer = DER.Serializer()
        try! serializer.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(0)
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(algorithm)
                if nullParameters { try coder.serialize(ASN1Null()) }
            }
            try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(privateKey)))
        }
        return serializer.serializedBytes
    }

    // MARK: Parsing

    static func parsePKCS1(_ der: ArraySlice<UInt8>) throws(KeyError) -> PrivateKey {
        let key: _RSA.Signing.PrivateKey
        do {
            // The "unsafe" initialiser only skips the ≥2048-bit check, so a small key is reported as unsupported
            // (below) rather than as corrupt.
            key = try _RSA.Signing.PrivateKey(unsafeDERRepresentation: der)
        } catch {
            throw .malformedKey(format: "PKCS#1 RSA", reason: "not a valid RSAPrivateKey")
        }
        guard [2048, 3072, 4096].contains(key.keySizeInBits) else {
            throw .unsupportedAlgorithm("RSA \(key.keySizeInBits) (expected 2048, 3072 or 4096 bits)")
        }
        return PrivateKey(backing: .rsa(key))
    }

    /// ECPrivateKey; `curve` comes from the PKCS#8 wrapper when there is one, else from the inner parameters.
    static func parseSEC1(
        _ der: ArraySlice<UInt8>, curve outerCurve: ASN1ObjectIdentifier?, format: String
    ) throws(KeyError) -> PrivateKey {
        let parsed: (raw: ArraySlice<UInt8>, curve: ASN1ObjectIdentifier?)
        do {
            parsed = try DER.sequence(try DER.parse(der), identifier: .sequence) { nodes in
                guard try Int(derEncoded: &nodes) == 1 else {
                    throw ASN1Error.invalidASN1Object(reason: "version")
                }
                let raw = try ASN1OctetString(derEncoded: &nodes).bytes
                let curve = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) {
                    try ASN1ObjectIdentifier(derEncoded: $0)
                }
                _ = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 1, tagClass: .contextSpecific) {
                    try ASN1BitString(derEncoded: $0)
                }
                return (raw, curve)
            }
        } catch {
            throw .malformedKey(format: format, reason: "not a valid ECPrivateKey structure")
        }
        if let outerCurve, let innerCurve = parsed.curve, outerCurve != innerCurve {
            throw .malformedKey(format: format, reason: "curve parameters disagree")
        }
        guard let curve = outerCurve ?? parsed.curve else {
            throw .malformedKey(format: format, reason: "no curve named")
        }
        do {
            switch curve {
            case OID.prime256v1:
                return PrivateKey(backing: .p256(try P256.Signing.PrivateKey(rawRepresentation: leftPadded(parsed.raw, to: 32))))
            case OID.secp384r1:
                return PrivateKey(backing: .p384(try P384.Signing.PrivateKey(rawRepresentation: leftPadded(parsed.raw, to: 48))))
            default:
                break
            }
        } catch {
            throw .malformedKey(format: format, reason: "invalid private scalar for the curve")
        }
        throw .unsupportedAlgorithm("EC curve \(curve) (expected P-256 or P-384)")
    }

    static func parsePKCS8(_ der: [UInt8]) throws(KeyError) -> PrivateKey {
        let format = "PKCS#8"
        let info: (algorithm: ASN1ObjectIdentifier, parameters: ASN1Node?, key: ArraySlice<UInt8>)
        do {
            info = try DER.sequence(try DER.parse(der), identifier: .sequence) { nodes in
                let version = try Int(derEncoded: &nodes)
                guard version == 0 || version == 1 else { throw ASN1Error.invalidASN1Object(reason: "version") }
                let algorithm = try DER.sequence(nodes.next() ?? .missing, identifier: .sequence) { inner in
                    let oid = try ASN1ObjectIdentifier(derEncoded: &inner)
                    let parameters = inner.next()
                    return (oid, parameters)
                }
                let key = try ASN1OctetString(derEncoded: &nodes).bytes
                while nodes.next() != nil {}  // attributes [0] and publicKey [1] (RFC 5958) are not needed.
                return (algorithm.0, algorithm.1, key)
            }
        } catch {
            throw .malformedKey(format: format, reason: "not a valid PrivateKeyInfo structure")
        }
        switch info.algorithm {
        case OID.rsaEncryption:
            return try parsePKCS1(info.key)
        case OID.ecPublicKey:
            let curve: ASN1ObjectIdentifier
            do {
                guard let parameters = info.parameters else { throw ASN1Error.invalidASN1Object(reason: "curve") }
                curve = try ASN1ObjectIdentifier(derEncoded: parameters)
            } catch {
                throw .malformedKey(format: format, reason: "EC key without a named curve")
            }
            return try parseSEC1(info.key, curve: curve, format: format)
        case OID.ed25519:
            do {
                let raw = try ASN1OctetString(derEncoded: info.key).bytes
                return PrivateKey(backing: .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: raw)))
            } catch {
                throw .malformedKey(format: format, reason: "invalid Ed25519 private key")
            }
        default:
            throw .unsupportedAlgorithm("PKCS#8 algorithm \(info.algorithm)")
        }
    }

    /// SEC1 requires fixed-width scalars, but some encoders drop leading zero bytes; restore them.
    private static func leftPadded(_ bytes: ArraySlice<UInt8>, to width: Int) -> [UInt8] {
        bytes.count >= width ? Array(bytes) : [UInt8](repeating: 0, count: width - bytes.count) + bytes
    }
}

extension ASN1Node {
    /// Stand-in for a missing child so a truncated SEQUENCE fails type checks instead of needing a force-unwrap.
    static var missing: ASN1Node {
        // An empty NULL node never matches the SEQUENCE/INTEGER identifiers the parsers expect.
        try! DER.parse([0x05, 0x00])
    }
}
