import SwiftASN1

/// Object identifiers Keyward needs that swift-certificates does not export.
enum OID {
    // Key algorithms (RFC 5480, RFC 8017, RFC 8410).
    static let ecPublicKey: ASN1ObjectIdentifier = [1, 2, 840, 10045, 2, 1]
    static let prime256v1: ASN1ObjectIdentifier = [1, 2, 840, 10045, 3, 1, 7]
    static let secp384r1: ASN1ObjectIdentifier = [1, 3, 132, 0, 34]
    static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]
    static let ed25519: ASN1ObjectIdentifier = [1, 3, 101, 112]

    // Signature algorithms (RFC 5758, RFC 4055, RFC 8410).
    static let ecdsaWithSHA256: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 2]
    static let ecdsaWithSHA384: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 3]
    static let sha256WithRSAEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 11]

    // Extensions (RFC 5280).
    static let authorityKeyIdentifier: ASN1ObjectIdentifier = [2, 5, 29, 35]
    static let crlNumber: ASN1ObjectIdentifier = [2, 5, 29, 20]
    static let crlReason: ASN1ObjectIdentifier = [2, 5, 29, 21]
    static let crlDistributionPoints: ASN1ObjectIdentifier = [2, 5, 29, 31]

    // Extended key usages not predefined by swift-certificates.
    static let ipsecEndSystem: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 3, 5]
    static let ipsecTunnel: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 3, 6]
    static let ipsecUser: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 3, 7]
    static let microsoftSGC: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 311, 10, 3, 3]
    static let netscapeSGC: ASN1ObjectIdentifier = [2, 16, 840, 1, 113730, 4, 1]
}
