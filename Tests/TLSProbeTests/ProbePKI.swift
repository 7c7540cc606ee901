import Foundation
import KeywardPKI

/// A root, an intermediate and leaves issued now (nginx checks validity against the real clock).
enum ProbePKI {
    static let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    static let rootKey = try! PrivateKey.generate(.ecdsaP256)
    static let root: IssuedCertificate = try! Issuer.selfSigned.issue(
        template: CertificateTemplate(commonName: "Probe Test Root CA", duration: 3650 * 86400, isCA: true),
        subjectKey: rootKey, now: now.addingTimeInterval(-86400))
    static let rootIssuer = try! Issuer(certificate: root.certificate, privateKey: rootKey)
    static let intermediateKey = try! PrivateKey.generate(.ecdsaP256)
    static let intermediate: IssuedCertificate = try! rootIssuer.issue(
        template: CertificateTemplate(commonName: "Probe Test Intermediate CA", duration: 365 * 86400, isCA: true),
        subjectKey: intermediateKey, now: now.addingTimeInterval(-3600))
    static let intermediateIssuer = try! Issuer(
        certificate: intermediate.certificate, privateKey: intermediateKey, chain: [root.certificate])

    /// A leaf for `name` (full chain PEM, key PEM, serial hex).
    static func leaf(_ name: String = "web.probe.test") -> (fullchain: String, key: String, serial: String) {
        let key = try! PrivateKey.generate(.ecdsaP256)
        let issued = try! intermediateIssuer.issue(
            template: CertificateTemplate(commonName: name, dnsNames: [name], duration: 30 * 86400), subjectKey: key, now: now)
        return (issued.fullchainPEM, key.pemEncoded(), try! CertificateInfo(pemEncoded: issued.certificatePEM).serialHex)
    }
}
