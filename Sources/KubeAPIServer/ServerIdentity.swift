import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// The certificate authority and serving certificate generated at every start.
///
/// A fresh ECDSA P-256 CA per server keeps test runs independent and means no key material is ever checked in.
/// The private keys never leave this type except as NIOSSL objects; `description` redacts them.
struct ServerIdentity: Sendable, CustomStringConvertible {
    let caCertificate: Certificate
    let caCertificatePEM: String
    private let caKey: Certificate.PrivateKey
    let servingCertificatePEM: String
    private let servingKeyPEM: String

    var description: String { "ServerIdentity(ca: \(caCertificate.subject), key: <redacted>)" }

    init(now: Date = Date()) throws {
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("Keyward test")
            CommonName("keyward-apiserver-ca")
        }
        let notBefore = now.addingTimeInterval(-3600)
        let notAfter = now.addingTimeInterval(365 * 86_400)
        let caPublic = Certificate.PublicKey(caKey.publicKey)
        let caSKI = SubjectKeyIdentifier(hash: caPublic)
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: caPublic,
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                caSKI
            },
            issuerPrivateKey: .init(caKey))

        let servingKey = P256.Signing.PrivateKey()
        let servingPublic = Certificate.PublicKey(servingKey.publicKey)
        let serving = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: servingPublic,
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName,
            subject: try DistinguishedName { CommonName("keyward-apiserver") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([
                    .dnsName("localhost"),
                    .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                ])
                AuthorityKeyIdentifier(keyIdentifier: caSKI.keyIdentifier)
                SubjectKeyIdentifier(hash: servingPublic)
            },
            issuerPrivateKey: .init(caKey))

        self.caCertificate = ca
        self.caCertificatePEM = try ca.serializeAsPEM().pemString + "\n"
        self.caKey = Certificate.PrivateKey(caKey)
        self.servingCertificatePEM = try serving.serializeAsPEM().pemString + "\n"
        self.servingKeyPEM = servingKey.pemRepresentation
    }

    /// The NIOSSL server configuration; `clientTrust` turns on optional client-certificate verification.
    func tlsConfiguration(clientTrust: [NIOSSLCertificate]?) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(servingCertificatePEM.utf8))
        let key = try NIOSSLPrivateKey(bytes: Array(servingKeyPEM.utf8), format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.applicationProtocols = ["http/1.1"]
        if let clientTrust {
            tls.certificateVerification = .optionalVerification
            tls.trustRoots = .certificates(clientTrust)
        }
        return tls
    }

    /// Signs a client certificate (CN = user, O = groups) with the server's CA.
    func issueClientCertificate(user: String, groups: [String], now: Date) throws -> (certificatePEM: String, privateKeyPEM: String) {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let subject = try DistinguishedName {
            for group in groups { OrganizationName(group) }
            CommonName(user)
        }
        let cert = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(30 * 86_400),
            issuer: caCertificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
            },
            issuerPrivateKey: caKey)
        return (try cert.serializeAsPEM().pemString + "\n", key.pemRepresentation)
    }

    /// User (CN) and groups (O) of a verified client certificate.
    static func identity(of certificate: NIOSSLCertificate) -> (user: String, groups: [String])? {
        guard let der = try? certificate.toDERBytes(), let cert = try? Certificate(derEncoded: der) else { return nil }
        var user: String?
        var groups: [String] = []
        for rdn in cert.subject {
            for attribute in rdn {
                if attribute.type == .RDNAttributeType.commonName { user = "\(attribute.value)" }
                if attribute.type == .RDNAttributeType.organizationName { groups.append("\(attribute.value)") }
            }
        }
        guard let user, !user.isEmpty else { return nil }
        return (user, groups)
    }
}
