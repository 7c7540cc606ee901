@testable import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KeywardTestSupport
import KubernetesClient
import KubernetesResources
import StandaloneStore
import Testing

// Bad-input corpus for CA Secrets (issue 8): a Certificate issued by `ca.secretRef` whose Secret holds garbage, a
// certificate that is not a CA, a key that does not match, and so on. Each row must end in Ready=False with a reason
// and a message naming the Secret and the defect, a Warning Event, no leaf Secret, the CA Secret untouched, and no
// key material anywhere in what users see.

/// Certificates and keys the rows assemble CA Secrets from.
struct IssuerMaterial: Sendable {
    let caCertificate: String
    let caKey: String
    /// A leaf (basicConstraints cA false) with its own, matching key.
    let leafCertificate: String
    let leafKey: String
    let otherKey: String
    /// A self-signed CA whose validity ended two days ago.
    let expiredCertificate: String
    let expiredKey: String

    init(now: Date) throws {
        let caKey = try PrivateKey.generate(.ecdsaP256)
        let ca = try Issuer.selfSigned.issue(template: CertificateTemplate(commonName: "Corpus CA", duration: 30 * 86_400, isCA: true),
                                             subjectKey: caKey, now: now)
        let leafKey = try PrivateKey.generate(.ecdsaP256)
        let leaf = try Issuer(certificatePEM: ca.certificatePEM, privateKeyPEM: caKey.pemEncoded())
            .issue(template: CertificateTemplate(commonName: "leaf.example.com", dnsNames: ["leaf.example.com"]),
                   subjectKey: leafKey, now: now)
        let expiredKey = try PrivateKey.generate(.ecdsaP256)
        let expired = try Issuer.selfSigned.issue(template: CertificateTemplate(commonName: "Expired CA", duration: 3600, isCA: true),
                                                  subjectKey: expiredKey, now: now.addingTimeInterval(-3 * 86_400))
        caCertificate = ca.certificatePEM
        self.caKey = caKey.pemEncoded()
        leafCertificate = leaf.certificatePEM
        self.leafKey = leafKey.pemEncoded()
        otherKey = try PrivateKey.generate(.ecdsaP256).pemEncoded()
        expiredCertificate = expired.certificatePEM
        self.expiredKey = expiredKey.pemEncoded()
    }

    /// Base64 lines of every private key here: none may appear in a message.
    var keyLines: [String] {
        [caKey, leafKey, otherKey, expiredKey].flatMap { pem in
            pem.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("-----") && $0.count >= 16 }
        }
    }
}

/// A CA certificate with basicConstraints cA but a keyUsage without keyCertSign, made by openssl (Keyward's own
/// issuance always sets keyCertSign on CAs, so it cannot make one).
private func caWithoutCertSign(in directory: TemporaryDirectory) async throws -> (certificate: String, key: String) {
    let config = try directory.write("no-certsign.cnf", """
        [req]
        distinguished_name = dn
        x509_extensions = ext
        prompt = no
        [dn]
        CN = No CertSign CA
        [ext]
        basicConstraints = critical,CA:TRUE
        keyUsage = critical,digitalSignature
        subjectKeyIdentifier = hash

        """)
    let cert = directory.path("no-certsign.crt")
    let key = directory.path("no-certsign.key")
    let made = try await ExternalTool.openssl("req", "-x509", "-config", config, "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                              "-nodes", "-keyout", key, "-out", cert, "-days", "30")
    #expect(made.status == 0, "\(made)")
    return (try String(contentsOfFile: cert, encoding: .utf8), try String(contentsOfFile: key, encoding: .utf8))
}

struct IssuerSecretCase: CustomTestStringConvertible, Sendable {
    var name: String
    /// The CA Secret: its type and data (nil: there is no Secret).
    var secret: @Sendable (IssuerMaterial) -> (type: String, data: [String: String])?
    /// Needs the openssl-made CA without keyCertSign (filled in by the test).
    var usesNoCertSignCA = false
    var reason = Certificate.Reason.issuerNotReady
    var message: String
    var testDescription: String { name }
}

private let tls = Secret.tlsType
private let garbagePEM = "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n"

let issuerSecretCorpus: [IssuerSecretCase] = [
    .init(name: "no CA Secret at all", secret: { _ in nil }, message: "issuer Secret corpus-ca does not exist"),
    .init(name: "an Opaque Secret", secret: { m in (Secret.opaqueType, ["tls.crt": m.caCertificate, "tls.key": m.caKey]) },
          message: "has type Opaque, expected kubernetes.io/tls"),
    .init(name: "no tls.key", secret: { m in (tls, ["tls.crt": m.caCertificate]) }, message: "lacks tls.crt or tls.key"),
    .init(name: "tls.crt with a garbage PEM body", secret: { m in (tls, ["tls.crt": garbagePEM, "tls.key": m.caKey]) },
          message: "unusable: invalid issuer: CA certificate: malformed PEM"),
    .init(name: "tls.crt that is not PEM", secret: { m in (tls, ["tls.crt": "not a certificate", "tls.key": m.caKey]) },
          message: "CA certificate: no PEM block found"),
    .init(name: "tls.crt holding the private key", secret: { m in (tls, ["tls.crt": m.caKey, "tls.key": m.caKey]) },
          message: "expected \"CERTIFICATE\""),
    .init(name: "tls.crt whose DER is not a certificate",
          secret: { m in (tls, ["tls.crt": "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n", "tls.key": m.caKey]) },
          message: "is not a valid X.509 certificate"),
    .init(name: "a leaf certificate used as the CA", secret: { m in (tls, ["tls.crt": m.leafCertificate, "tls.key": m.leafKey]) },
          message: "is not a CA (basicConstraints cA)"),
    .init(name: "a CA without keyCertSign", secret: { _ in nil }, usesNoCertSignCA: true,
          message: "keyUsage does not allow certificate signing"),
    .init(name: "a key that does not match the certificate", secret: { m in (tls, ["tls.crt": m.caCertificate, "tls.key": m.otherKey]) },
          message: "CA private key does not match the CA certificate"),
    .init(name: "tls.key that is not PEM", secret: { m in (tls, ["tls.crt": m.caCertificate, "tls.key": String(m.caKey.dropFirst(40))]) },
          message: "CA private key: private key is not PEM-encoded"),
    .init(name: "tls.key holding a certificate", secret: { m in (tls, ["tls.crt": m.caCertificate, "tls.key": m.caCertificate]) },
          message: "CA private key: no private key block found"),
    .init(name: "tls.key encrypted",
          secret: { m in (tls, ["tls.crt": m.caCertificate,
                                "tls.key": "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAMCAQE=\n-----END ENCRYPTED PRIVATE KEY-----\n"]) },
          message: "encrypted private keys are not supported"),
    .init(name: "ca.crt that is garbage", secret: { m in (tls, ["tls.crt": m.caCertificate, "tls.key": m.caKey, "ca.crt": garbagePEM]) },
          message: "CA bundle: malformed PEM"),
    .init(name: "an expired CA", secret: { m in (tls, ["tls.crt": m.expiredCertificate, "tls.key": m.expiredKey]) },
          reason: Certificate.Reason.issuanceFailed, message: "issuer Secret/corpus-ca cannot sign: CA certificate is not valid at"),
]

@Suite("CA Secret bad-input corpus")
struct IssuerSecretCorpusTests {
    @Test("each unusable CA Secret is a condition naming the Secret and the defect; nothing is issued or changed",
          arguments: issuerSecretCorpus, Backend.allCases)
    func unusable(_ row: IssuerSecretCase, _ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            let material = try IssuerMaterial(now: h.clock.now)
            var contents = row.secret(material)
            if row.usesNoCertSignCA {
                let made = try await caWithoutCertSign(in: h.directory)
                contents = (tls, ["tls.crt": made.certificate, "tls.key": made.key])
            }
            var caSecret: Secret?
            if let contents {
                let secret = Secret(metadata: ObjectMeta(name: "corpus-ca", namespace: h.namespace), type: contents.type,
                                    data: contents.data.mapValues { Data($0.utf8) })
                do {
                    caSecret = try await h.store.create(secret)
                } catch StoreError.invalid(_, _, let reason) {
                    // The API server refused the Secret itself (a kubernetes.io/tls Secret needs both keys).
                    #expect(backend == .cluster, "\(reason)")
                    #expect(reason.contains("tls.key"), "\(reason)")
                    return
                }
            }
            try await h.create("web", Certificate.Spec(secretName: "web-tls", issuer: .secret("corpus-ca"),
                                                       commonName: "web.example.com", dnsNames: ["web.example.com"]))
            let result = try await h.reconcile("web")
            #expect(result.requeueAfter != nil, "an issuer problem is retried on a timer")

            let ready = try #require(try await h.condition("web"))
            #expect(ready.status == .false)
            #expect(ready.reason == row.reason, "\(ready.message)")
            #expect(ready.message.contains("corpus-ca") && ready.message.contains(row.message), "\(ready.message)")
            let events = await h.sink.events.filter { $0.involvedObject.name == "web" }
            #expect(events.contains { $0.type == .warning && $0.reason == row.reason && ($0.message ?? "").contains("corpus-ca") })

            // Nothing issued, the CA Secret as it was, and no key material in what users see.
            #expect(try await h.secret("web-tls") == nil)
            if let caSecret {
                let now = try #require(try await h.secret("corpus-ca"))
                #expect(now.data == caSecret.data && now.metadata.resourceVersion == caSecret.metadata.resourceVersion)
            }
            let status = try await h.certificate("web").status
            let visible = events.compactMap(\.message) + (status?.conditions.map(\.message) ?? []) + [status?.lastError ?? ""]
            for text in visible {
                #expect(!text.contains("-----BEGIN") && !material.keyLines.contains { text.contains($0) }, "key material in \(text)")
            }

            // A second pass changes nothing.
            let writes = await h.writeCount()
            try await h.reconcile("web")
            #expect(await h.writeCount() == writes)
        }
    }

    @Test("replacing the broken CA Secret with a usable one issues at once; a CA expiring before the leaf's duration clips it without a reissue loop")
    func recovery() async throws {
        let h = try await Harness()
        let material = try IssuerMaterial(now: h.clock.now)
        _ = try await h.store.create(Secret(metadata: ObjectMeta(name: "corpus-ca", namespace: h.namespace), type: tls,
                                            data: ["tls.crt": Data(material.caCertificate.utf8), "tls.key": Data(material.otherKey.utf8)]))
        try await h.create("web", Certificate.Spec(secretName: "web-tls", issuer: .secret("corpus-ca"),
                                                   commonName: "web.example.com", dnsNames: ["web.example.com"]))
        try await h.reconcile("web")
        #expect(try await h.condition("web")?.reason == Certificate.Reason.issuerNotReady)
        var fixed = try #require(try await h.secret("corpus-ca"))
        fixed.data["tls.key"] = Data(material.caKey.utf8)
        _ = try await h.store.update(fixed)
        try await h.converge("web")
        #expect(try await h.condition("web")?.status == .true)
        let leaf = try await h.leaf(ofSecret: "web-tls")
        let ca = try CertificateInfo(try #require(try PEMBundle.certificates(from: material.caCertificate).first))
        #expect(leaf.authorityKeyIdentifier == ca.subjectKeyIdentifier)
        // The CA (30 days) ends before the leaf's 90 days: the leaf is clipped to it, and renews at two thirds of
        // the lifetime it got, not at once and forever.
        #expect(leaf.notAfter == ca.notAfter)
        let status = try #require(try await h.certificate("web").status)
        #expect(try #require(status.renewalTime) > h.clock.now.addingTimeInterval(15 * 86_400))
        #expect(try #require(try await h.reconcile("web").requeueAfter) > 15 * 86_400)
        #expect(status.revision == 1)
    }
}
