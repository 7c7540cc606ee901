import SwiftASN1
import X509

/// A key usage or extended key usage, spelled exactly as cert-manager's `spec.usages` spells it.
public enum CertificateUsage: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    // Key usage bits (RFC 5280 4.2.1.3).
    /// cert-manager's alias for ``digitalSignature``; normalised away by ``canonical``.
    case signing = "signing"
    case digitalSignature = "digital signature"
    case contentCommitment = "content commitment"
    case keyEncipherment = "key encipherment"
    case keyAgreement = "key agreement"
    case dataEncipherment = "data encipherment"
    case certSign = "cert sign"
    case crlSign = "crl sign"
    case encipherOnly = "encipher only"
    case decipherOnly = "decipher only"
    // Extended key usages (RFC 5280 4.2.1.12 and vendor OIDs cert-manager knows).
    case any = "any"
    case serverAuth = "server auth"
    case clientAuth = "client auth"
    case codeSigning = "code signing"
    case emailProtection = "email protection"
    /// cert-manager's alias for ``emailProtection``; normalised away by ``canonical``.
    case smime = "s/mime"
    case ipsecEndSystem = "ipsec end system"
    case ipsecTunnel = "ipsec tunnel"
    case ipsecUser = "ipsec user"
    case timestamping = "timestamping"
    case ocspSigning = "ocsp signing"
    case microsoftSGC = "microsoft sgc"
    case netscapeSGC = "netscape sgc"

    /// The usage with cert-manager's aliases resolved, so sets compare by meaning.
    public var canonical: CertificateUsage {
        switch self {
        case .signing: .digitalSignature
        case .smime: .emailProtection
        default: self
        }
    }

    /// Whether this is a keyUsage bit (as opposed to an extendedKeyUsage purpose).
    public var isKeyUsage: Bool {
        switch self {
        case .signing, .digitalSignature, .contentCommitment, .keyEncipherment, .keyAgreement, .dataEncipherment,
            .certSign, .crlSign, .encipherOnly, .decipherOnly:
            true
        default:
            false
        }
    }

    public static func < (lhs: CertificateUsage, rhs: CertificateUsage) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The EKU purpose OID (nil for key usage bits).
    var extendedKeyUsageOID: ASN1ObjectIdentifier? {
        switch canonical {
        case .any: .ExtendedKeyUsage.any
        case .serverAuth: .ExtendedKeyUsage.serverAuth
        case .clientAuth: .ExtendedKeyUsage.clientAuth
        case .codeSigning: .ExtendedKeyUsage.codeSigning
        case .emailProtection: .ExtendedKeyUsage.emailProtection
        case .ipsecEndSystem: OID.ipsecEndSystem
        case .ipsecTunnel: OID.ipsecTunnel
        case .ipsecUser: OID.ipsecUser
        case .timestamping: .ExtendedKeyUsage.timeStamping
        case .ocspSigning: .ExtendedKeyUsage.ocspSigning
        case .microsoftSGC: OID.microsoftSGC
        case .netscapeSGC: OID.netscapeSGC
        default: nil
        }
    }

    init?(extendedKeyUsageOID oid: ASN1ObjectIdentifier) {
        guard let usage = Self.allCases.first(where: { $0 == $0.canonical && $0.extendedKeyUsageOID == oid }) else {
            return nil
        }
        self = usage
    }

    /// Builds the keyUsage extension value from the key-usage members of `usages`.
    static func keyUsage(_ usages: Set<CertificateUsage>) -> KeyUsage? {
        let bits = Set(usages.map(\.canonical).filter(\.isKeyUsage))
        guard !bits.isEmpty else { return nil }
        return KeyUsage(
            digitalSignature: bits.contains(.digitalSignature),
            nonRepudiation: bits.contains(.contentCommitment),
            keyEncipherment: bits.contains(.keyEncipherment),
            dataEncipherment: bits.contains(.dataEncipherment),
            keyAgreement: bits.contains(.keyAgreement),
            keyCertSign: bits.contains(.certSign),
            cRLSign: bits.contains(.crlSign),
            encipherOnly: bits.contains(.encipherOnly),
            decipherOnly: bits.contains(.decipherOnly)
        )
    }

    /// The usages a keyUsage extension asserts.
    static func usages(of keyUsage: KeyUsage) -> Set<CertificateUsage> {
        var result: Set<CertificateUsage> = []
        if keyUsage.digitalSignature { result.insert(.digitalSignature) }
        if keyUsage.nonRepudiation { result.insert(.contentCommitment) }
        if keyUsage.keyEncipherment { result.insert(.keyEncipherment) }
        if keyUsage.dataEncipherment { result.insert(.dataEncipherment) }
        if keyUsage.keyAgreement { result.insert(.keyAgreement) }
        if keyUsage.keyCertSign { result.insert(.certSign) }
        if keyUsage.cRLSign { result.insert(.crlSign) }
        if keyUsage.encipherOnly { result.insert(.encipherOnly) }
        if keyUsage.decipherOnly { result.insert(.decipherOnly) }
        return result
    }
}

extension CertificateUsage {
    /// Parses `spec.usages` strings (case-insensitive), naming the first unknown entry.
    public static func parse(_ names: [String], field: String = "spec.usages") throws(IssuanceError)
        -> [CertificateUsage]
    {
        var result: [CertificateUsage] = []
        for (i, name) in names.enumerated() {
            guard let usage = CertificateUsage(rawValue: name.lowercased()) else {
                throw .invalidField(field: "\(field)[\(i)]", reason: "unknown usage \"\(name)\"")
            }
            result.append(usage)
        }
        return result
    }
}
