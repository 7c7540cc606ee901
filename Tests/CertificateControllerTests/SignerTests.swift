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
import X509

/// The signer abstraction: one place turns an issuer kind into a signer; self-signed and CA signers answer with
/// issued/failed outcomes; only the CA signer can revoke, into its CRL next to its Secret.
@Suite("Certificate signers")
struct SignerTests {
    static func request(_ template: CertificateTemplate, now: Date) throws -> SigningRequest {
        SigningRequest(template: template, subjectKey: try PrivateKey.generate(.ecdsaP256),
                       requester: .init(namespace: "default", name: "web", uid: nil), pendingState: nil, now: now)
    }

    @Test("the issuer kind decides the signer: selfSigned signs itself and cannot revoke; ca signs with the CA and revokes")
    func kinds() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-signers")
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let store = try FileResourceStore(stateDirectory: directory.path("state"), clock: ManualClock(now: now))
        let resolver = IssuerResolver(store: store, clusterResourceNamespace: "keyward-system")
        let leafTemplate = CertificateTemplate(commonName: "web.example.com", dnsNames: ["web.example.com"])

        guard case .ready(let selfSigned) = resolver.signer(for: .selfSigned, context: .init(displayName: "Issuer/self")) else {
            Issue.record("selfSigned is always ready")
            return
        }
        #expect(selfSigned is SelfSignedSigner && selfSigned.revoker == nil && selfSigned.expectedIssuer == nil)
        #expect(selfSigned.displayName == "Issuer/self")
        guard case .issued(let own) = try await selfSigned.sign(try Self.request(leafTemplate, now: now)) else {
            Issue.record("self-signed signing failed")
            return
        }
        #expect(own.certificate.issuer == own.certificate.subject)

        let material = try IssuerMaterial(now: now)
        let secret = Secret(metadata: ObjectMeta(name: "ca-tls", namespace: "default"), type: Secret.tlsType,
                            data: ["tls.crt": Data(material.caCertificate.utf8), "tls.key": Data(material.caKey.utf8)])
        guard case .ready(let ca) = resolver.signer(for: .ca(secretName: "ca-tls"), context: .init(
            displayName: "Secret/ca-tls", caSecret: secret, crlOwnerName: "ca-tls", crlNamespace: "default"))
        else {
            Issue.record("a usable CA pair is ready")
            return
        }
        #expect(ca is CASigner && ca.revoker != nil)
        guard case .issued(let leaf) = try await ca.sign(try Self.request(leafTemplate, now: now)) else {
            Issue.record("CA signing failed")
            return
        }
        #expect(leaf.certificate.issuer == ca.expectedIssuer?.subject)
        #expect(leaf.caCertificate == ca.expectedIssuer)

        // Revoking goes into the CA's CRL, kept next to its Secret.
        try await ca.revoker?.revoke(leaf.certificate, reason: .keyCompromise, now: now)
        let state = try #require(try await store.get(Secret.self, namespace: "default", name: CRLPublisher.stateSecretName(forIssuer: "ca-tls")))
        let crl = try CertificateRevocationList(pemEncoded: try #require(state.string(CertificateSecret.crlKey)))
        #expect(crl.entry(for: leaf.certificate.serialNumber) != nil)

        // A pair that is no CA is not a signer: the reason names the Secret.
        let notCA = Secret(metadata: ObjectMeta(name: "leaf-tls", namespace: "default"), type: Secret.tlsType,
                           data: ["tls.crt": Data(material.leafCertificate.utf8), "tls.key": Data(material.leafKey.utf8)])
        guard case .notReady(let message) = resolver.signer(for: .ca(secretName: "leaf-tls"), context: .init(
            displayName: "Issuer/team", caSecret: notCA, crlOwnerName: "leaf-tls", crlNamespace: "default", requireTLSType: true))
        else {
            Issue.record("a leaf pair is not a CA signer")
            return
        }
        #expect(message.contains("Issuer/team: Secret default/leaf-tls"), "\(message)")
    }

    @Test("failures: an expired CA is retryable naming the issuer; a template the signer refuses is permanent")
    func failures() async throws {
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let material = try IssuerMaterial(now: now)
        let scratch = try TemporaryDirectory(prefix: "keyward-signers")
        let expired = try KeywardPKI.Issuer(certificatePEM: material.expiredCertificate, privateKeyPEM: material.expiredKey)
        let signer = CASigner(issuer: expired, displayName: "Secret/old-ca", crlOwnerName: "old-ca", crlNamespace: "default",
                              caCertificate: nil, caSecret: nil,
                              crls: CRLPublisher(store: try FileResourceStore(stateDirectory: scratch.path("state"))))
        let leaf = CertificateTemplate(commonName: "web.example.com", dnsNames: ["web.example.com"])
        guard case .failed(let failure) = try await signer.sign(try Self.request(leaf, now: now)) else {
            Issue.record("an expired CA signs nothing")
            return
        }
        #expect(failure.isRetryable && failure.message.hasPrefix("issuer Secret/old-ca cannot sign:"), "\(failure)")

        // A self-signed certificate needs a subject: the request itself is at fault.
        guard case .failed(let refused) = try await SelfSignedSigner().sign(
            try Self.request(CertificateTemplate(dnsNames: ["web.example.com"]), now: now))
        else {
            Issue.record("an empty subject cannot sign itself")
            return
        }
        #expect(!refused.isRetryable && refused.message.contains("spec.commonName"), "\(refused)")
    }
}
