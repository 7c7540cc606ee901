import Foundation
import KeywardPKI
import KeywardTestSupport
import Testing
import X509

@Suite struct IssuanceTests {
    @Test(arguments: KeyAlgorithm.allCases)
    func leafChainsVerifyWithOpenSSLAndPassPKILint(algorithm: KeyAlgorithm) async throws {
        let issued = try Fixtures.intermediateIssuer.issue(
            template: CertificateTemplate(
                commonName: "app.example.com",
                dnsNames: ["app.example.com", "www.app.example.com"],
                ipAddresses: ["10.0.0.1", "2001:db8::1"],
                // pkilint validates URIs with python-validators, which only knows web schemes: a spiffe:// URI
                // (valid RFC 3986) would be reported as invalid syntax.
                uris: ["https://app.example.com/identity"],
                emailAddresses: ["ops@example.com"],
                subject: CertificateSubject(organizations: ["Example"], countries: ["US"]),
                duration: 90 * 86400,
                usages: [.digitalSignature, .serverAuth, .clientAuth],
                crlDistributionPoints: ["http://crl.example.com/intermediate.crl"]
            ),
            subjectKey: Fixtures.key(algorithm),
            now: Fixtures.now
        )
        let dir = try TemporaryDirectory()
        let ca = try dir.write("ca.pem", issued.caPEM)
        let chain = try dir.write("chain.pem", issued.chainPEM)
        let leaf = try dir.write("leaf.pem", issued.certificatePEM)
        let verify = try await ExternalTool.openssl("verify", "-CAfile", ca, "-untrusted", chain, leaf)
        #expect(verify.status == 0, "\(verify)")
        let fullchain = try dir.write("fullchain.pem", issued.fullchainPEM)
        let viaBundle = try await ExternalTool.openssl("verify", "-CAfile", ca, "-untrusted", fullchain, leaf)
        #expect(viaBundle.status == 0, "\(viaBundle)")

        let pkix = try await ExternalTool.pkilintErrors("lint_pkix_cert", [], file: leaf)
        #expect(pkix == "", "lint_pkix_cert \(algorithm): \(pkix)")
    }

    /// CA/Browser Forum DV lint of a typical server leaf (DNS names incl. a wildcard, a CRL distribution point).
    ///
    /// Only two findings remain, both requirements of *publicly trusted* CAs that a private in-cluster CA cannot
    /// meaningfully satisfy: an authorityInformationAccess URL (OCSP / caIssuers) and certificatePolicies asserting
    /// the CA/B Forum DV policy OID. Ed25519 keys are additionally outside the Baseline Requirements.
    /// (lint_pkix_cert rejects wildcard dNSNames as non-RFC-5280 syntax, hence they are linted here instead.)
    @Test(arguments: KeyAlgorithm.allCases)
    func serverLeavesOnlyMissPublicTrustExtensionsUnderCABFLint(algorithm: KeyAlgorithm) async throws {
        let issued = try Fixtures.intermediateIssuer.issue(
            template: CertificateTemplate(
                commonName: "shop.example.com",
                dnsNames: ["shop.example.com", "*.shop.example.com"],
                duration: 90 * 86400,
                crlDistributionPoints: ["http://crl.example.com/intermediate.crl"]
            ),
            subjectKey: Fixtures.key(algorithm),
            now: Fixtures.now
        )
        let dir = try TemporaryDirectory()
        let leaf = try dir.write("leaf.pem", issued.certificatePEM)
        let findings = try await ExternalTool.pkilintErrors(
            "lint_cabf_serverauth_cert", ["-t", "DV-FINAL-CERTIFICATE"], file: leaf
        )
        let codes = Set(findings.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.contains("(ERROR)") || trimmed.contains("(FATAL)") else { return nil }
            return String(trimmed.prefix { $0 != " " })
        })
        var expected: Set<String> = [
            "cabf.serverauth.subscriber.authority_info_access_extension_absent",
            "cabf.serverauth.subscriber.certificate_policies_extension_absent",
        ]
        if algorithm == .ed25519 { expected.insert("cabf.serverauth.prohibited_subject_public_key_algorithm_encoding") }
        #expect(codes == expected, "lint_cabf_serverauth_cert \(algorithm):\n\(findings)")
    }

    @Test func caCertificatesPassPKILint() async throws {
        let dir = try TemporaryDirectory()
        for (name, certificate) in [("root", Fixtures.root), ("intermediate", Fixtures.intermediate)] {
            let file = try dir.write("\(name).pem", certificate.certificatePEM)
            let findings = try await ExternalTool.pkilintErrors("lint_pkix_cert", [], file: file)
            #expect(findings == "", "lint_pkix_cert \(name): \(findings)")
        }
    }
}

@Suite struct IssuanceProfileTests {
    static let now = Fixtures.now

    @Test(arguments: KeyAlgorithm.allCases)
    func caOfEveryAlgorithmSignsVerifiableLintCleanCertificates(algorithm: KeyAlgorithm) async throws {
        let caKey = Fixtures.key(algorithm)
        let ca = try Issuer.selfSigned.issue(
            template: CertificateTemplate(commonName: "CA \(algorithm)", duration: 365 * 86400, isCA: true),
            subjectKey: caKey, now: Date().addingTimeInterval(-60)
        )
        let expectedSignature: Certificate.SignatureAlgorithm = switch algorithm {
        case .ecdsaP256: .ecdsaWithSHA256
        case .ecdsaP384: .ecdsaWithSHA384
        case .ed25519: .ed25519
        default: .sha256WithRSAEncryption
        }
        #expect(ca.certificate.signatureAlgorithm == expectedSignature)
        let issuer = try Issuer(certificate: ca.certificate, privateKey: caKey)
        let leaf = try issuer.issue(
            template: Fixtures.serverTemplate(), subjectKey: Fixtures.key(.ecdsaP256), now: Date()
        )
        #expect(leaf.certificate.signatureAlgorithm == expectedSignature)
        #expect(leaf.caCertificate == ca.certificate)
        #expect(leaf.chain.isEmpty)

        let dir = try TemporaryDirectory()
        let caFile = try dir.write("ca.pem", ca.certificatePEM)
        let leafFile = try dir.write("leaf.pem", leaf.certificatePEM)
        let verify = try await ExternalTool.openssl("verify", "-CAfile", caFile, leafFile)
        #expect(verify.status == 0, "\(verify)")
        for file in [caFile, leafFile] {
            let findings = try await ExternalTool.pkilintErrors("lint_pkix_cert", [], file: file)
            #expect(findings == "", "lint_pkix_cert \(algorithm) \(file): \(findings)")
        }
    }

    @Test func chainOutputsSplitLeafIntermediatesAndRoot() throws {
        let issued = try Fixtures.intermediateIssuer.issue(
            template: Fixtures.serverTemplate(), subjectKey: Fixtures.key(.ecdsaP256), now: Self.now
        )
        #expect(issued.chain == [Fixtures.intermediate.certificate])
        #expect(issued.caCertificate == Fixtures.root.certificate)
        #expect(try PEMBundle.certificates(from: issued.fullchainPEM) == [issued.certificate, Fixtures.intermediate.certificate])
        #expect(try PEMBundle.certificates(from: issued.chainPEM) == [Fixtures.intermediate.certificate])
        #expect(try PEMBundle.certificates(from: issued.caPEM) == [Fixtures.root.certificate])
        #expect(issued.certificate.issuer == Fixtures.intermediate.certificate.subject)

        let selfSigned = try Issuer.selfSigned.issue(
            template: Fixtures.serverTemplate(), subjectKey: Fixtures.key(.ecdsaP256), now: Self.now
        )
        #expect(selfSigned.caCertificate == selfSigned.certificate)
        #expect(selfSigned.chainPEM == "")
        #expect(selfSigned.certificate.issuer == selfSigned.certificate.subject)
    }

    @Test func issuerFromSecretPEMs() throws {
        let fromPEM = try Issuer(
            certificatePEM: Fixtures.intermediate.certificatePEM,
            privateKeyPEM: Fixtures.intermediateKey.pemEncoded(encoding: .pkcs8),
            caPEM: Fixtures.root.certificatePEM
        )
        let issued = try fromPEM.issue(
            template: Fixtures.serverTemplate(), subjectKey: Fixtures.key(.ed25519), now: Self.now
        )
        #expect(issued.caCertificate == Fixtures.root.certificate)
        #expect(issued.chain == [Fixtures.intermediate.certificate])
    }

    @Test func unusableIssuersAreRejected() throws {
        let leaf = try Fixtures.rootIssuer.issue(
            template: Fixtures.serverTemplate(), subjectKey: Fixtures.key(.ecdsaP256), now: Self.now
        )
        #expect(throws: IssuanceError.self) {
            try Issuer(certificate: leaf.certificate, privateKey: Fixtures.key(.ecdsaP256))
        }
        #expect(throws: IssuanceError.invalidIssuer(reason: "CA private key does not match the CA certificate")) {
            try Issuer(certificate: Fixtures.root.certificate, privateKey: Fixtures.key(.ecdsaP256))
        }
        #expect(throws: IssuanceError.self) {
            try Issuer(certificatePEM: "garbage", privateKeyPEM: Fixtures.rootKey.pemEncoded())
        }
        // The intermediate has pathLen 0, so it may not create further CAs.
        #expect(throws: IssuanceError.invalidIssuer(reason: "CA certificate's pathLen 0 forbids issuing CA certificates")) {
            try Fixtures.intermediateIssuer.issue(
                template: CertificateTemplate(commonName: "sub CA", isCA: true),
                subjectKey: Fixtures.key(.ecdsaP256), now: Self.now
            )
        }
        // An expired CA cannot issue.
        #expect(throws: IssuanceError.self) {
            try Fixtures.rootIssuer.issue(
                template: Fixtures.serverTemplate(), subjectKey: Fixtures.key(.ecdsaP256),
                now: Fixtures.root.certificate.notValidAfter.addingTimeInterval(1)
            )
        }
    }

    @Test func leafProfile() throws {
        let now = Self.now.addingTimeInterval(0.75)  // sub-second part must be dropped
        let certificate = try Fixtures.rootIssuer.issue(
            template: Fixtures.serverTemplate(), subjectKey: Fixtures.key(.ecdsaP256), now: now
        ).certificate
        let extensions = certificate.extensions
        #expect(try extensions.basicConstraints == .notCertificateAuthority)
        #expect(extensions[oid: .X509ExtensionID.basicConstraints]?.critical == true)
        #expect(extensions[oid: .X509ExtensionID.keyUsage]?.critical == true)
        #expect(try extensions.keyUsage == KeyUsage(digitalSignature: true))
        #expect(try extensions.extendedKeyUsage == ExtendedKeyUsage([.serverAuth]))
        #expect(extensions[oid: .X509ExtensionID.subjectAlternativeName]?.critical == false)
        #expect(
            try extensions.authorityKeyIdentifier?.keyIdentifier
                == Fixtures.root.certificate.extensions.subjectKeyIdentifier?.keyIdentifier
        )
        #expect(try extensions.subjectKeyIdentifier == SubjectKeyIdentifier(hash: Fixtures.key(.ecdsaP256).publicKey))
        #expect(certificate.notValidBefore == Self.now.addingTimeInterval(-CertificateTemplate.backdate))
        #expect(certificate.notValidAfter == Self.now.addingTimeInterval(90 * 86400))
        #expect(certificate.version == .v3)

        let rsa = try Fixtures.rootIssuer.issue(
            template: Fixtures.serverTemplate(), subjectKey: Fixtures.key(.rsa2048), now: now
        ).certificate
        #expect(try rsa.extensions.keyUsage == KeyUsage(digitalSignature: true, keyEncipherment: true))
    }

    @Test func caProfile() throws {
        let extensions = Fixtures.intermediate.certificate.extensions
        #expect(try extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        #expect(extensions[oid: .X509ExtensionID.basicConstraints]?.critical == true)
        #expect(try extensions.keyUsage == KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
        #expect(try extensions.extendedKeyUsage == nil)
        #expect(try extensions.subjectKeyIdentifier != nil)
        #expect(try Fixtures.root.certificate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: nil))
    }

    @Test func emptySubjectMakesTheSANCritical() throws {
        let certificate = try Fixtures.rootIssuer.issue(
            template: CertificateTemplate(dnsNames: ["only-san.example.com"]),
            subjectKey: Fixtures.key(.ecdsaP256), now: Self.now
        ).certificate
        #expect(certificate.subject == DistinguishedName())
        #expect(certificate.extensions[oid: .X509ExtensionID.subjectAlternativeName]?.critical == true)
    }

    @Test func lifetimeIsClippedToTheIssuer() throws {
        let certificate = try Fixtures.rootIssuer.issue(
            template: CertificateTemplate(commonName: "long", dnsNames: ["long.example"], duration: 50 * 365 * 86400),
            subjectKey: Fixtures.key(.ecdsaP256), now: Self.now
        ).certificate
        #expect(certificate.notValidAfter == Fixtures.root.certificate.notValidAfter)
    }

    @Test func serialNumbersArePositiveSixteenOctetsAndUnique() throws {
        var seen: Set<Certificate.SerialNumber> = []
        for _ in 0..<64 {
            let serial = try Issuer.selfSigned.issue(
                template: Fixtures.serverTemplate(), subjectKey: Fixtures.key(.ecdsaP256), now: Self.now
            ).certificate.serialNumber
            #expect(serial.bytes.count == 16)
            #expect(serial.bytes.first! & 0x80 == 0)
            #expect(serial.bytes.first! & 0x40 != 0)
            seen.insert(serial)
        }
        #expect(seen.count == 64)
    }

    @Test func explicitUsagesAndKeyEnciphermentForNonRSA() throws {
        let template = CertificateTemplate(
            commonName: "client", dnsNames: ["client.example"],
            usages: [.signing, .keyEncipherment, .clientAuth, .serverAuth]
        )
        #expect(template.effectiveUsages(for: .ecdsaP256) == [.digitalSignature, .clientAuth, .serverAuth])
        #expect(template.effectiveUsages(for: .rsa3072) == [.digitalSignature, .keyEncipherment, .clientAuth, .serverAuth])
        let certificate = try Issuer.selfSigned.issue(template: template, subjectKey: Fixtures.key(.ed25519), now: Self.now)
            .certificate
        #expect(try certificate.extensions.extendedKeyUsage == ExtendedKeyUsage([.serverAuth, .clientAuth]))
        #expect(try certificate.extensions.keyUsage == KeyUsage(digitalSignature: true))
        #expect(try CertificateUsage.parse(["Digital Signature", "server auth"]) == [.digitalSignature, .serverAuth])
        #expect(throws: IssuanceError.invalidField(field: "spec.usages[1]", reason: "unknown usage \"bogus\"")) {
            try CertificateUsage.parse(["server auth", "bogus"])
        }
    }

    static let invalidTemplates: [(CertificateTemplate, KeyAlgorithm, String)] = {
        let ok = Fixtures.serverTemplate()
        func with(_ change: (inout CertificateTemplate) -> Void) -> CertificateTemplate {
            var template = ok
            change(&template)
            return template
        }
        return [
            (CertificateTemplate(), .ecdsaP256, "spec"),
            (with { $0.commonName = "" }, .ecdsaP256, "spec.commonName"),
            (with { $0.commonName = String(repeating: "a", count: 65) }, .ecdsaP256, "spec.commonName"),
            (with { $0.dnsNames = ["ok.example", "bad_name.example"] }, .ecdsaP256, "spec.dnsNames[1]"),
            (with { $0.dnsNames = ["a.*.example"] }, .ecdsaP256, "spec.dnsNames[0]"),
            (with { $0.dnsNames = ["*.com"] }, .ecdsaP256, "spec.dnsNames[0]"),
            (with { $0.dnsNames = ["-lead.example"] }, .ecdsaP256, "spec.dnsNames[0]"),
            (with { $0.dnsNames = ["bücher.example"] }, .ecdsaP256, "spec.dnsNames[0]"),
            (with { $0.ipAddresses = ["10.0.0.1", "10.0.0.256"] }, .ecdsaP256, "spec.ipAddresses[1]"),
            (with { $0.ipAddresses = ["fe80::1%eth0"] }, .ecdsaP256, "spec.ipAddresses[0]"),
            (with { $0.ipAddresses = ["10.0.0.0/8"] }, .ecdsaP256, "spec.ipAddresses[0]"),
            (with { $0.uris = ["not a uri"] }, .ecdsaP256, "spec.uris[0]"),
            (with { $0.uris = ["relative/path"] }, .ecdsaP256, "spec.uris[0]"),
            (with { $0.uris = ["urn:"] }, .ecdsaP256, "spec.uris[0]"),
            (with { $0.uris = ["https://example.com/{id}"] }, .ecdsaP256, "spec.uris[0]"),
            (with { $0.emailAddresses = ["no-at-sign"] }, .ecdsaP256, "spec.emailAddresses[0]"),
            (with { $0.subject.countries = ["Germany"] }, .ecdsaP256, "spec.subject.countries[0]"),
            (with { $0.subject.organizations = [""] }, .ecdsaP256, "spec.subject.organizations[0]"),
            (with { $0.duration = 59 }, .ecdsaP256, "spec.duration"),
            (with { $0.maxPathLength = 1 }, .ecdsaP256, "spec.maxPathLength"),
            (with { $0.usages = [.digitalSignature, .certSign] }, .ecdsaP256, "spec.usages[1]"),
            (with { $0.usages = [.keyAgreement] }, .rsa2048, "spec.usages[0]"),
            (with { $0.usages = [.dataEncipherment] }, .ed25519, "spec.usages[0]"),
            (with { $0.usages = [.digitalSignature, .encipherOnly] }, .ecdsaP256, "spec.usages[1]"),
            (with { $0.crlDistributionPoints = ["file:///crl"] }, .ecdsaP256, "spec.crlDistributionPoints[0]"),
            (CertificateTemplate(dnsNames: ["ca.example"], isCA: true), .ecdsaP256, "spec.commonName"),
        ]
    }()

    @Test(arguments: invalidTemplates)
    func invalidTemplatesNameTheField(template: CertificateTemplate, algorithm: KeyAlgorithm, field: String) {
        #expect {
            try Fixtures.rootIssuer.issue(template: template, subjectKey: Fixtures.key(algorithm), now: Self.now)
        } throws: { error in
            guard case .invalidField(let reported, _)? = error as? IssuanceError else { return false }
            return reported == field && (error as? IssuanceError)?.isInvalidSpec == true
        }
    }

    @Test func selfSignedNeedsASubject() {
        #expect(throws: IssuanceError.self) {
            try Issuer.selfSigned.issue(
                template: CertificateTemplate(dnsNames: ["x.example"]), subjectKey: Fixtures.key(.ecdsaP256),
                now: Self.now
            )
        }
    }
}
