import Crypto
import Foundation
import KeywardCore
import SwiftASN1
import X509
import _CryptoExtras

/// The facts about a certificate that status fields, the CLI and the reissue policy need, as plain values.
public struct CertificateInfo: Sendable, Hashable {
    public let notBefore: Date
    public let notAfter: Date
    /// Serial number in lowercase hex without separators (leading zero octets from DER padding removed).
    public let serialHex: String
    /// SHA-256 of the DER encoding, lowercase hex.
    public let sha256Fingerprint: String
    public let commonName: String?
    public let subject: CertificateSubject
    /// RFC 4514 text of the subject and issuer names, rendered when asked for: the CLI shows them, while the
    /// controller inspects every certificate it issues and never does.
    public var subjectDN: String { subjectName.description }
    public var issuerDN: String { issuerName.description }
    let subjectName: DistinguishedName
    let issuerName: DistinguishedName
    public let dnsNames: [String]
    /// Canonical text (RFC 5952 for IPv6).
    public let ipAddresses: [String]
    public let uris: [String]
    public let emailAddresses: [String]
    public let isCA: Bool
    public let maxPathLength: Int?
    /// Nil for key types Keyward does not issue (e.g. P-521, RSA 1024).
    public let keyAlgorithm: KeyAlgorithm?
    /// Key usage bits and extended key usages; purposes Keyward has no name for are left out.
    public let usages: Set<CertificateUsage>
    public let subjectKeyIdentifier: String?
    public let authorityKeyIdentifier: String?
    public let crlDistributionPoints: [String]
    /// Issuer equals subject and the certificate's own key verifies its signature.
    public let isSelfSigned: Bool

    public init(_ certificate: Certificate) throws(InspectionError) {
        notBefore = certificate.notValidBefore
        notAfter = certificate.notValidAfter
        serialHex = Self.serialHex(certificate.serialNumber)
        sha256Fingerprint = Self.sha256Fingerprint(certificate)
        subjectName = certificate.subject
        issuerName = certificate.issuer
        let attributes = Self.attributes(of: certificate.subject)
        commonName = attributes[.RDNAttributeType.commonName]?.last
        subject = CertificateSubject(
            organizations: attributes[.RDNAttributeType.organizationName] ?? [],
            organizationalUnits: attributes[.RDNAttributeType.organizationalUnitName] ?? [],
            countries: attributes[.RDNAttributeType.countryName] ?? [],
            localities: attributes[.RDNAttributeType.localityName] ?? [],
            provinces: attributes[.RDNAttributeType.stateOrProvinceName] ?? []
        )
        keyAlgorithm = Self.keyAlgorithm(of: certificate.publicKey)
        isSelfSigned = Issuer.isSelfSigned(certificate)

        let extensions = certificate.extensions
        func decode<T>(_ oid: ASN1ObjectIdentifier, _ body: () throws -> T) throws(InspectionError) -> T {
            do { return try body() } catch { throw InspectionError(extensionOID: oid.description, reason: "\(error)") }
        }
        let constraints = try decode(.X509ExtensionID.basicConstraints) { try extensions.basicConstraints }
        if case .isCertificateAuthority(let pathLength)? = constraints {
            isCA = true
            maxPathLength = pathLength
        } else {
            isCA = false
            maxPathLength = nil
        }
        var usages: Set<CertificateUsage> = []
        if let keyUsage = try decode(.X509ExtensionID.keyUsage, { try extensions.keyUsage }) {
            usages.formUnion(CertificateUsage.usages(of: keyUsage))
        }
        if let eku = try decode(.X509ExtensionID.extendedKeyUsage, { try extensions.extendedKeyUsage }) {
            usages.formUnion(eku.compactMap { CertificateUsage(extendedKeyUsageOID: ASN1ObjectIdentifier($0)) })
        }
        self.usages = usages

        var dnsNames: [String] = []
        var ipAddresses: [String] = []
        var uris: [String] = []
        var emails: [String] = []
        let san = try decode(.X509ExtensionID.subjectAlternativeName) { try extensions.subjectAlternativeNames }
        for name in san ?? SubjectAlternativeNames() {
            switch name {
            case .dnsName(let value): dnsNames.append(value)
            case .ipAddress(let octets): ipAddresses.append(IPAddress.text(octets.bytes) ?? Hex.encode(octets.bytes))
            case .uniformResourceIdentifier(let value): uris.append(value)
            case .rfc822Name(let value): emails.append(value)
            default: break
            }
        }
        (self.dnsNames, self.ipAddresses, self.uris, self.emailAddresses) = (dnsNames, ipAddresses, uris, emails)

        subjectKeyIdentifier = try decode(.X509ExtensionID.subjectKeyIdentifier) {
            try extensions.subjectKeyIdentifier.map { Hex.encode($0.keyIdentifier) }
        }
        authorityKeyIdentifier = try decode(.X509ExtensionID.authorityKeyIdentifier) {
            try extensions.authorityKeyIdentifier?.keyIdentifier.map { Hex.encode($0) }
        }
        crlDistributionPoints = try decode(OID.crlDistributionPoints) {
            try extensions[oid: OID.crlDistributionPoints].map { try CRLDistributionPoints($0).urls } ?? []
        }
    }

    /// Parses the first certificate of a PEM bundle.
    public init(pemEncoded pem: String) throws(PEMError) {
        let certificates = try PEMBundle.certificates(from: pem)
        do {
            try self.init(certificates[0])
        } catch {
            throw .invalidCertificate(index: 0, reason: error.description)
        }
    }

    /// SHA-256 of the DER encoding, lowercase hex: the one fact status needs of an issuer's CA on every issuance,
    /// without the rest of the inspection (a self-signed CA's inspection verifies its signature).
    public static func sha256Fingerprint(_ certificate: Certificate) -> String {
        var serializer = DER.Serializer()
        try? serializer.serialize(certificate)  // re-emits the parsed bytes; cannot fail for a parsed certificate
        return Hex.encode(SHA256.hash(data: serializer.serializedBytes))
    }

    public static func serialHex(_ serial: Certificate.SerialNumber) -> String {
        let bytes = serial.bytes.drop { $0 == 0 }
        return bytes.isEmpty ? "00" : Hex.encode(bytes)
    }

    static func attributes(of name: DistinguishedName) -> [ASN1ObjectIdentifier: [String]] {
        var result: [ASN1ObjectIdentifier: [String]] = [:]
        for rdn in name {
            for attribute in rdn {
                guard let value = String(attribute.value) else { continue }
                result[attribute.type, default: []].append(value)
            }
        }
        return result
    }

    static func keyAlgorithm(of key: Certificate.PublicKey) -> KeyAlgorithm? {
        if P256.Signing.PublicKey(key) != nil { return .ecdsaP256 }
        if P384.Signing.PublicKey(key) != nil { return .ecdsaP384 }
        if Curve25519.Signing.PublicKey(key) != nil { return .ed25519 }
        if let rsa = _RSA.Signing.PublicKey(key) {
            switch rsa.keySizeInBits {
            case 2048: return .rsa2048
            case 3072: return .rsa3072
            case 4096: return .rsa4096
            default: return nil
            }
        }
        return nil
    }
}
