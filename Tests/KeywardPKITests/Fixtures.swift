import Foundation
import KeywardPKI
import X509

/// Keys and CAs shared across tests, generated once per test process (RSA 4096 generation is slow).
enum Fixtures {
    /// "Now", captured once and truncated to whole seconds (X.509 precision) so expected times compare exactly.
    /// It is the real time because OpenSSL checks validity against the wall clock.
    static let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))

    static let keys: [KeyAlgorithm: PrivateKey] = {
        var keys: [KeyAlgorithm: PrivateKey] = [:]
        for algorithm in KeyAlgorithm.allCases { keys[algorithm] = try! PrivateKey.generate(algorithm) }
        return keys
    }()

    static func key(_ algorithm: KeyAlgorithm) -> PrivateKey { keys[algorithm]! }

    static let rootKey = try! PrivateKey.generate(.ecdsaP256)
    static let root: IssuedCertificate = try! Issuer.selfSigned.issue(
        template: CertificateTemplate(
            commonName: "Keyward Test Root CA",
            subject: CertificateSubject(organizations: ["Keyward Tests"], countries: ["DE"]),
            duration: 10 * 365 * 86400,
            isCA: true
        ),
        subjectKey: rootKey,
        now: now.addingTimeInterval(-86400)
    )
    static let rootIssuer = try! Issuer(certificate: root.certificate, privateKey: rootKey)

    static let intermediateKey = try! PrivateKey.generate(.ecdsaP384)
    static let intermediate: IssuedCertificate = try! rootIssuer.issue(
        template: CertificateTemplate(
            commonName: "Keyward Test Intermediate CA",
            subject: CertificateSubject(organizations: ["Keyward Tests"], countries: ["DE"]),
            duration: 5 * 365 * 86400,
            isCA: true,
            maxPathLength: 0
        ),
        subjectKey: intermediateKey,
        now: now.addingTimeInterval(-3600)
    )
    static let intermediateIssuer = try! Issuer(
        certificate: intermediate.certificate, privateKey: intermediateKey, chain: [root.certificate]
    )

    static func serverTemplate(_ name: String = "app.example.com") -> CertificateTemplate {
        CertificateTemplate(commonName: name, dnsNames: [name], duration: 90 * 86400)
    }
}
