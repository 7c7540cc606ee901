import Foundation
import KeywardPKI
import Testing
import X509

@Suite struct VerificationTests {
    static let now = Fixtures.now
    static let leaf = try! Fixtures.intermediateIssuer.issue(
        template: CertificateTemplate(
            commonName: "web.example.com",
            dnsNames: ["web.example.com", "*.apps.example.com"],
            ipAddresses: ["192.0.2.10", "2001:db8::10"],
            duration: 90 * 86400
        ),
        subjectKey: Fixtures.key(.ecdsaP256),
        now: now
    )
    static let verifier = ChainVerifier(trustRoots: [Fixtures.root.certificate])

    func verify(
        _ issued: IssuedCertificate = leaf, at time: Date = now, dnsName: String? = nil,
        verifier: ChainVerifier = verifier, intermediates: [Certificate]? = nil
    ) async -> ChainVerificationResult {
        await verifier.verify(
            leaf: issued.certificate, intermediates: intermediates ?? issued.chain, at: time, dnsName: dnsName
        )
    }

    @Test func chainThroughIntermediateIsValid() async {
        #expect(await verify() == .valid)
        #expect(await verify(dnsName: "web.example.com") == .valid)
        #expect(await verify(dnsName: "WEB.Example.com") == .valid)
        #expect(await verify(dnsName: "192.0.2.10") == .valid)
        #expect(await verify(dnsName: "2001:db8::10") == .valid)
    }

    @Test func wildcardsCoverExactlyOneLabel() async {
        #expect(await verify(dnsName: "shop.apps.example.com") == .valid)
        #expect(await verify(dnsName: "apps.example.com") == .invalid(.nameMismatch(name: "apps.example.com")))
        #expect(await verify(dnsName: "a.b.apps.example.com") == .invalid(.nameMismatch(name: "a.b.apps.example.com")))
        #expect(await verify(dnsName: "other.example.com") == .invalid(.nameMismatch(name: "other.example.com")))
        #expect(await verify(dnsName: "192.0.2.11") == .invalid(.nameMismatch(name: "192.0.2.11")))
    }

    @Test func timeBoundsAreEnforced() async {
        let certificate = Self.leaf.certificate
        #expect(await verify(at: certificate.notValidAfter.addingTimeInterval(1))
            == .invalid(.expired(notAfter: certificate.notValidAfter)))
        #expect(await verify(at: certificate.notValidBefore.addingTimeInterval(-1))
            == .invalid(.notYetValid(notBefore: certificate.notValidBefore)))
    }

    @Test func untrustedChainsAreRejected() async throws {
        // Missing intermediate.
        guard case .invalid(.untrustedChain)? = Optional(await verify(intermediates: [])) else {
            Issue.record("expected untrustedChain without the intermediate")
            return
        }
        // A different root with the same name but another key.
        let impostorKey = try PrivateKey.generate(.ecdsaP256)
        let impostor = try Issuer.selfSigned.issue(
            template: CertificateTemplate(
                commonName: "Keyward Test Root CA",
                subject: CertificateSubject(organizations: ["Keyward Tests"], countries: ["DE"]),
                duration: 365 * 86400, isCA: true
            ),
            subjectKey: impostorKey, now: Self.now.addingTimeInterval(-60)
        )
        guard case .invalid(.untrustedChain)? = Optional(await verify(verifier: ChainVerifier(trustRoots: [impostor.certificate]))) else {
            Issue.record("expected untrustedChain under an impostor root")
            return
        }
        #expect(await verify(verifier: ChainVerifier(trustRoots: [])) == .invalid(.noTrustRoots))
    }

    @Test func clientOnlyCertificatesAreNotServers() async throws {
        let client = try Fixtures.rootIssuer.issue(
            template: CertificateTemplate(commonName: "client", dnsNames: ["client.example.com"], usages: [.digitalSignature, .clientAuth]),
            subjectKey: Fixtures.key(.ecdsaP256), now: Self.now
        )
        #expect(await verify(client) == .valid)
        #expect(await verify(client, dnsName: "client.example.com") == .invalid(.notForServerAuth))
    }

    @Test func emptySubjectLeafWithCriticalSANVerifies() async throws {
        let sanOnly = try Fixtures.rootIssuer.issue(
            template: CertificateTemplate(dnsNames: ["san-only.example.com"]),
            subjectKey: Fixtures.key(.ed25519), now: Self.now
        )
        #expect(await verify(sanOnly) == .valid)
        #expect(await verify(sanOnly, dnsName: "san-only.example.com") == .valid)
    }

    @Test func selfSignedLeafTrustedDirectly() async throws {
        let selfSigned = try Issuer.selfSigned.issue(
            template: Fixtures.serverTemplate("self.example.com"), subjectKey: Fixtures.key(.rsa2048), now: Self.now
        )
        let verifier = ChainVerifier(trustRoots: [selfSigned.certificate])
        #expect(await verify(selfSigned, dnsName: "self.example.com", verifier: verifier) == .valid)
        // Its keyUsage lacks cRLSign, so it cannot sign a CRL about itself.
        #expect(throws: CRLError.invalidIssuer(reason: "issuer keyUsage does not include cRLSign")) {
            try CertificateRevocationList(
                issuerCertificate: selfSigned.certificate, issuerKey: Fixtures.key(.rsa2048),
                thisUpdate: Self.now, nextUpdate: Self.now.addingTimeInterval(3600), crlNumber: 1, entries: []
            )
        }
    }

    @Test func failureDescriptionsAreHumanReadable() {
        let failure = ChainVerificationResult.invalid(.crlExpired(nextUpdate: Date(timeIntervalSince1970: 0)))
        #expect(failure.description == "invalid: CRL expired at 1970-01-01T00:00:00Z (nextUpdate), failing closed")
        #expect(!failure.isValid)
        #expect(ChainVerificationResult.valid.failure == nil)
    }
}
