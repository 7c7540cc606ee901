import Foundation
import KeywardCore
import SwiftASN1
import X509

/// An X.509 v2 CRL (RFC 5280 section 5), which swift-certificates does not provide.
///
/// Keyward's CRLs carry exactly the two extensions RFC 5280 requires of conforming issuers (authorityKeyIdentifier
/// and cRLNumber) plus a reasonCode per entry when the reason is not `unspecified`. Parsing accepts any v2 CRL
/// but refuses unknown critical extensions, because RFC 5280 5.2 forbids using such a CRL for revocation checks.
public struct CertificateRevocationList: Sendable, Hashable {
    public let issuer: DistinguishedName
    public let thisUpdate: Date
    public let nextUpdate: Date
    /// Monotonically increasing sequence number, up to the 20 octets RFC 5280 allows (wider ones are refused on
    /// parse). Zero when the CRL has no cRLNumber extension.
    public let crlNumber: CRLNumber
    public let entries: [RevokedCertificate]
    /// Lowercase hex of the authorityKeyIdentifier keyIdentifier, if present.
    public let authorityKeyIdentifier: String?
    /// The complete DER encoding, exactly as signed or as parsed.
    public let derEncoded: [UInt8]

    let signatureScheme: SignatureScheme?
    let signatureAlgorithmOID: ASN1ObjectIdentifier
    let tbsBytes: [UInt8]
    let signatureBytes: [UInt8]

    static let pemBlockType = "X509 CRL"

    /// Builds and signs a CRL for `issuerCertificate` with `issuerKey`, using the key's signature algorithm.
    ///
    /// Times are truncated to whole seconds (X.509 precision) so values read back compare equal.
    public init(
        issuerCertificate: Certificate,
        issuerKey: PrivateKey,
        thisUpdate: Date,
        nextUpdate: Date,
        crlNumber: CRLNumber,
        entries: [RevokedCertificate]
    ) throws(CRLError) {
        guard issuerKey.matches(issuerCertificate) else {
            throw .invalidIssuer(reason: "private key does not match the issuer certificate")
        }
        if let keyUsage = try? issuerCertificate.extensions.keyUsage, !keyUsage.cRLSign {
            throw .invalidIssuer(reason: "issuer keyUsage does not include cRLSign")
        }
        let thisUpdate = X509Time.truncated(thisUpdate)
        let nextUpdate = X509Time.truncated(nextUpdate)
        guard nextUpdate > thisUpdate else {
            throw .invalidParameters(reason: "nextUpdate must be after thisUpdate")
        }
        let scheme = SignatureScheme(for: issuerKey)
        let keyID = (try? issuerCertificate.extensions.subjectKeyIdentifier)?.keyIdentifier
            ?? SubjectKeyIdentifier(hash: issuerCertificate.publicKey).keyIdentifier

        do {
            var tbs = DER.Serializer()
            try tbs.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(1)  // v2
                try scheme.serialize(into: &coder)
                try coder.serialize(issuerCertificate.subject)
                try X509Time.serialize(thisUpdate, into: &coder)
                try X509Time.serialize(nextUpdate, into: &coder)
                if !entries.isEmpty {
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        for entry in entries { try Self.serialize(entry, into: &coder) }
                    }
                }
                try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { coder in
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        try coder.serialize(
                            Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: keyID), critical: false)
                        )
                        var number = DER.Serializer()
                        try number.serialize(crlNumber.contentOctets)
                        try coder.serialize(
                            Certificate.Extension(oid: OID.crlNumber, critical: false, value: number.serializedBytes[...])
                        )
                    }
                }
            }
            let tbsBytes = tbs.serializedBytes
            let signature = try SignatureScheme.sign(tbsBytes, with: issuerKey)
            var whole = DER.Serializer()
            try whole.appendConstructedNode(identifier: .sequence) { coder in
                coder.serializeRawBytes(tbsBytes)
                try scheme.serialize(into: &coder)
                try coder.serialize(ASN1BitString(bytes: signature[...]))
            }
            try self.init(derEncoded: whole.serializedBytes)
        } catch let error as CRLError {
            throw error
        } catch {
            throw .signingFailed(reason: String(describing: error))
        }
    }

    public init(pemEncoded pem: String) throws(CRLError) {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: pem)
        } catch {
            throw .malformed(reason: "not PEM: \(error)")
        }
        guard documents.count == 1, let document = documents.first else {
            throw .malformed(reason: "expected exactly one PEM block, found \(documents.count)")
        }
        guard document.discriminator == Self.pemBlockType else {
            throw .malformed(reason: "PEM block is \"\(document.discriminator)\", expected \"\(Self.pemBlockType)\"")
        }
        try self.init(derEncoded: document.derBytes)
    }

    public var pemEncoded: String { PEMBundle.pemBlock(type: Self.pemBlockType, der: derEncoded) }

    /// The entry revoking `serialNumber`, if any.
    public func entry(for serialNumber: Certificate.SerialNumber) -> RevokedCertificate? {
        entries.first { $0.serialNumber == serialNumber }
    }

    public func isRevoked(_ certificate: Certificate) -> Bool {
        entry(for: certificate.serialNumber) != nil
    }

    /// Whether `issuer` signed this CRL: names match, the signature verifies with its key, and (when both carry
    /// key identifiers) the authorityKeyIdentifier is the issuer's subjectKeyIdentifier.
    public func isSigned(by issuer: Certificate) -> Bool {
        guard issuer.subject == self.issuer, let scheme = signatureScheme else { return false }
        if let aki = authorityKeyIdentifier, let ski = try? issuer.extensions.subjectKeyIdentifier,
            aki != Hex.encode(ski.keyIdentifier)
        {
            return false
        }
        return scheme.isValid(signature: signatureBytes, for: tbsBytes, publicKey: issuer.publicKey)
    }

    private static func serialize(_ entry: RevokedCertificate, into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(entry.serialNumber.bytes)
            try X509Time.serialize(entry.revocationDate, into: &coder)
            if entry.reason != .unspecified {
                var value = DER.Serializer()
                try entry.reason.rawValue.serialize(into: &value, withIdentifier: .enumerated)
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(
                        Certificate.Extension(oid: OID.crlReason, critical: false, value: value.serializedBytes[...])
                    )
                }
            }
        }
    }
}

extension CertificateRevocationList {
    /// Parses a DER CertificateList. Every structural defect throws; nothing traps on hostile input.
    public init(derEncoded der: [UInt8]) throws(CRLError) {
        do {
            try self.init(parsing: der)
        } catch let error as CRLError {
            throw error
        } catch {
            throw .malformed(reason: String(describing: error))
        }
    }

    private init(parsing der: [UInt8]) throws {
        let root = try DER.parse(der)
        let (tbsNode, outerAlgorithm, signature) = try DER.sequence(root, identifier: .sequence) { nodes in
            guard let tbs = nodes.next(), let algorithm = nodes.next() else {
                throw CRLError.malformed(reason: "truncated CertificateList")
            }
            let signature = try ASN1BitString(derEncoded: &nodes)
            return (tbs, try SignatureScheme.parse(algorithm), signature)
        }
        guard signature.paddingBits == 0 else { throw CRLError.malformed(reason: "signature has padding bits") }

        var issuer = DistinguishedName()
        var thisUpdate = Date.distantPast
        var nextUpdate: Date?
        var entries: [RevokedCertificate] = []
        var crlNumber: CRLNumber?
        var authorityKeyIdentifier: String?
        try DER.sequence(tbsNode, identifier: .sequence) { nodes in
            var next = nodes.next()
            if let node = next, node.identifier == .integer {
                guard try Int(derEncoded: node) == 1 else { throw CRLError.unsupported(reason: "version is not v2") }
                next = nodes.next()
            }
            guard let algorithmNode = next else { throw CRLError.malformed(reason: "truncated TBSCertList") }
            let innerAlgorithm = try SignatureScheme.parse(algorithmNode)
            guard innerAlgorithm.oid == outerAlgorithm.oid else {
                throw CRLError.malformed(reason: "inner and outer signature algorithms differ")
            }
            guard let issuerNode = nodes.next() else { throw CRLError.malformed(reason: "no issuer") }
            issuer = try DistinguishedName(derEncoded: issuerNode)
            guard let thisUpdateNode = nodes.next() else { throw CRLError.malformed(reason: "no thisUpdate") }
            thisUpdate = try X509Time.parse(thisUpdateNode)
            next = nodes.next()
            if let node = next, node.identifier == UTCTime.defaultIdentifier
                || node.identifier == GeneralizedTime.defaultIdentifier
            {
                nextUpdate = try X509Time.parse(node)
                next = nodes.next()
            }
            if let node = next, node.identifier == .sequence {
                entries = try DER.sequence(node, identifier: .sequence) { revoked in
                    var result: [RevokedCertificate] = []
                    while let entry = revoked.next() { result.append(try Self.parseEntry(entry)) }
                    return result
                }
                next = nodes.next()
            }
            if let node = next {
                let extensions = try DER.explicitlyTagged(node, tagNumber: 0, tagClass: .contextSpecific) {
                    try DER.sequence(of: Certificate.Extension.self, identifier: .sequence, rootNode: $0)
                }
                for ext in extensions {
                    switch ext.oid {
                    case OID.crlNumber:
                        crlNumber = try Self.parseCRLNumber(ext.value)
                    case OID.authorityKeyIdentifier:
                        authorityKeyIdentifier = try AuthorityKeyIdentifier(ext).keyIdentifier.map { Hex.encode($0) }
                    default:
                        if ext.critical {
                            throw CRLError.unsupported(reason: "unrecognised critical extension \(ext.oid)")
                        }
                    }
                }
                guard nodes.next() == nil else { throw CRLError.malformed(reason: "trailing data in TBSCertList") }
            }
        }
        guard let nextUpdate else { throw CRLError.unsupported(reason: "no nextUpdate (required by RFC 5280)") }
        self.issuer = issuer
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.crlNumber = crlNumber ?? 0
        self.entries = entries
        self.authorityKeyIdentifier = authorityKeyIdentifier
        self.signatureScheme = outerAlgorithm.scheme
        self.signatureAlgorithmOID = outerAlgorithm.oid
        self.tbsBytes = Array(tbsNode.encodedBytes)
        self.signatureBytes = Array(signature.bytes)
        self.derEncoded = der
    }

    private static func parseEntry(_ node: ASN1Node) throws -> RevokedCertificate {
        try DER.sequence(node, identifier: .sequence) { fields in
            let serial = try ArraySlice<UInt8>(derEncoded: &fields)
            guard let dateNode = fields.next() else { throw CRLError.malformed(reason: "entry without revocationDate") }
            let date = try X509Time.parse(dateNode)
            var reason = CRLReason.unspecified
            if let extensionsNode = fields.next() {
                let extensions = try DER.sequence(
                    of: Certificate.Extension.self, identifier: .sequence, rootNode: extensionsNode
                )
                for ext in extensions {
                    if ext.oid == OID.crlReason {
                        let code = try Int(derEncoded: try DER.parse(ext.value), withIdentifier: .enumerated)
                        guard let parsed = CRLReason(rawValue: code) else {
                            throw CRLError.malformed(reason: "unknown reason code \(code)")
                        }
                        reason = parsed
                    } else if ext.critical {
                        // e.g. certificateIssuer on an indirect CRL: entries would belong to another CA.
                        throw CRLError.unsupported(reason: "unrecognised critical entry extension \(ext.oid)")
                    }
                }
            }
            return RevokedCertificate(serialNumber: Certificate.SerialNumber(bytes: serial), revocationDate: date, reason: reason)
        }
    }

    private static func parseCRLNumber(_ value: ArraySlice<UInt8>) throws -> CRLNumber {
        // The raw INTEGER content octets: SwiftASN1's unsigned decoding would drop the 0x00 sign byte.
        let node = try DER.parse(value)
        guard node.identifier == .integer, case .primitive(let bytes) = node.content else {
            throw CRLError.malformed(reason: "CRL number is not an INTEGER")
        }
        guard bytes.first.map({ $0 & 0x80 == 0 }) ?? false else {
            throw CRLError.malformed(reason: "negative CRL number")
        }
        guard bytes.count <= CRLNumber.maxOctets else {
            throw CRLError.unsupported(reason: "CRL number longer than \(CRLNumber.maxOctets) octets")
        }
        return try CRLNumber(magnitude: bytes)
    }
}
