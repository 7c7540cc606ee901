import Foundation
import KeywardPKI
import KeywardTestSupport
import Testing
import X509

@Suite struct RevocationTests {
    static let now = Date()

    /// A CA of `algorithm` with a revoked and a good leaf, plus a CRL listing the revoked one.
    struct Scenario {
        var caKey: PrivateKey
        var ca: IssuedCertificate
        var revoked: IssuedCertificate
        var good: IssuedCertificate
        var crl: CertificateRevocationList

        init(algorithm: KeyAlgorithm, now: Date = RevocationTests.now, reason: CRLReason = .keyCompromise) throws {
            caKey = Fixtures.key(algorithm)
            ca = try Issuer.selfSigned.issue(
                template: CertificateTemplate(
                    commonName: "Revocation CA \(algorithm)", subject: CertificateSubject(organizations: ["Keyward"]),
                    duration: 365 * 86400, isCA: true
                ),
                subjectKey: caKey, now: now.addingTimeInterval(-3600)
            )
            let issuer = try Issuer(certificate: ca.certificate, privateKey: caKey)
            revoked = try issuer.issue(
                template: Fixtures.serverTemplate("revoked.example.com"), subjectKey: Fixtures.key(.ecdsaP256), now: now
            )
            good = try issuer.issue(
                template: Fixtures.serverTemplate("good.example.com"), subjectKey: Fixtures.key(.ecdsaP256), now: now
            )
            crl = try CertificateRevocationList(
                issuerCertificate: ca.certificate, issuerKey: caKey,
                thisUpdate: now.addingTimeInterval(-60), nextUpdate: now.addingTimeInterval(7 * 86400),
                crlNumber: 42,
                entries: [RevokedCertificate(revoked.certificate, revocationDate: now.addingTimeInterval(-30), reason: reason)]
            )
        }
    }

    @Test(arguments: KeyAlgorithm.allCases)
    func opensslAndPKILintAcceptTheCRLAndItRevokes(algorithm: KeyAlgorithm) async throws {
        let s = try Scenario(algorithm: algorithm)
        let dir = try TemporaryDirectory()
        let ca = try dir.write("ca.pem", s.ca.certificatePEM)
        let crl = try dir.write("crl.pem", s.crl.pemEncoded)
        let revoked = try dir.write("revoked.pem", s.revoked.certificatePEM)
        let good = try dir.write("good.pem", s.good.certificatePEM)

        let crlVerify = try await ExternalTool.openssl("crl", "-in", crl, "-CAfile", ca, "-noout", "-verify")
        #expect(crlVerify.status == 0 && (crlVerify.stdout + crlVerify.stderr).contains("verify OK"), "\(crlVerify)")
        let lint = try await ExternalTool.pkilintErrors("lint_crl", ["-t", "CRL", "-p", "PKIX"], file: crl)
        #expect(lint == "", "lint_crl \(algorithm): \(lint)")

        let revokedCheck = try await ExternalTool.openssl("verify", "-crl_check", "-CRLfile", crl, "-CAfile", ca, revoked)
        #expect(revokedCheck.status != 0)
        #expect((revokedCheck.stdout + revokedCheck.stderr).contains("revoked"), "\(revokedCheck)")
        let goodCheck = try await ExternalTool.openssl("verify", "-crl_check", "-CRLfile", crl, "-CAfile", ca, good)
        #expect(goodCheck.status == 0, "\(goodCheck)")

        // Our verifier agrees with OpenSSL.
        let verifier = ChainVerifier(trustRoots: [s.ca.certificate])
        let ours = await verifier.verify(leaf: s.revoked.certificate, at: Self.now, crl: .pem(s.crl.pemEncoded))
        #expect(ours == .invalid(.revoked(
            serialHex: try CertificateInfo(s.revoked.certificate).serialHex, reason: .keyCompromise,
            revocationDate: s.crl.entries[0].revocationDate
        )))
        #expect(await verifier.verify(leaf: s.good.certificate, at: Self.now, crl: .der(s.crl.derEncoded)) == .valid)
    }

    @Test func crlRoundTripsThroughDERAndPEM() throws {
        let s = try Scenario(algorithm: .ecdsaP256)
        let entries = CRLReason.allCases.enumerated().map { index, reason in
            RevokedCertificate(
                serialNumber: Certificate.SerialNumber(bytes: [0x40, UInt8(index + 1)]),
                revocationDate: Self.now.addingTimeInterval(Double(-index * 60)), reason: reason
            )
        }
        let crl = try CertificateRevocationList(
            issuerCertificate: s.ca.certificate, issuerKey: s.caKey,
            thisUpdate: Self.now, nextUpdate: Self.now.addingTimeInterval(86400), crlNumber: CRLNumber(UInt64.max), entries: entries
        )
        for parsed in [try CertificateRevocationList(derEncoded: crl.derEncoded), try CertificateRevocationList(pemEncoded: crl.pemEncoded)] {
            #expect(parsed == crl)
            #expect(parsed.entries == entries)
            #expect(parsed.crlNumber == CRLNumber(UInt64.max))
            #expect(parsed.issuer == s.ca.certificate.subject)
            #expect(parsed.isSigned(by: s.ca.certificate))
            #expect(!parsed.isSigned(by: Fixtures.root.certificate))
            #expect(parsed.authorityKeyIdentifier == (try CertificateInfo(s.ca.certificate)).subjectKeyIdentifier)
        }
        #expect(crl.pemEncoded.hasPrefix("-----BEGIN X509 CRL-----\n"))
    }

    @Test func unspecifiedReasonOmitsTheExtension() async throws {
        let s = try Scenario(algorithm: .ecdsaP256, reason: .unspecified)
        let reasonOID: [UInt8] = [0x06, 0x03, 0x55, 0x1D, 0x15]
        #expect(!s.crl.derEncoded.indices.contains { Array(s.crl.derEncoded[$0...].prefix(5)) == reasonOID })
        #expect(try CertificateRevocationList(derEncoded: s.crl.derEncoded).entries[0].reason == .unspecified)
        let dir = try TemporaryDirectory()
        let text = try await ExternalTool.openssl("crl", "-in", try dir.write("crl.pem", s.crl.pemEncoded), "-noout", "-text")
        #expect(!text.stdout.contains("Reason Code"))
        let keyCompromise = try Scenario(algorithm: .ecdsaP256, reason: .keyCompromise)
        let text2 = try await ExternalTool.openssl(
            "crl", "-in", try dir.write("crl2.pem", keyCompromise.crl.pemEncoded), "-noout", "-text"
        )
        #expect(text2.stdout.contains("Key Compromise"))
    }

    @Test func emptyCRLIsLintCleanAndVerifies() async throws {
        let crl = try CertificateRevocationList(
            issuerCertificate: Fixtures.intermediate.certificate, issuerKey: Fixtures.intermediateKey,
            thisUpdate: Self.now, nextUpdate: Self.now.addingTimeInterval(86400), crlNumber: 1, entries: []
        )
        let dir = try TemporaryDirectory()
        let file = try dir.write("crl.pem", crl.pemEncoded)
        let lint = try await ExternalTool.pkilintErrors("lint_crl", ["-t", "CRL", "-p", "PKIX"], file: file)
        #expect(lint == "", "\(lint)")
        let ca = try dir.write("ca.pem", Fixtures.intermediate.certificatePEM)
        let verify = try await ExternalTool.openssl("crl", "-in", file, "-CAfile", ca, "-noout", "-verify")
        #expect(verify.status == 0, "\(verify)")
    }

    @Test func verificationFailsClosedOnBadCRLs() async throws {
        let s = try Scenario(algorithm: .ecdsaP256)
        let verifier = ChainVerifier(trustRoots: [s.ca.certificate])
        func check(_ crl: CRLSource, at time: Date = Self.now) async -> ChainVerificationResult {
            await verifier.verify(leaf: s.good.certificate, at: time, crl: crl)
        }

        // Corrupt the signature's last byte: still parses, no longer verifies.
        var tampered = s.crl.derEncoded
        tampered[tampered.count - 1] ^= 0x01
        #expect(await check(.der(tampered)) == .invalid(.crlBadSignature))

        // Change the CRL number (42 → 43) inside the signed part: the signature no longer matches.
        var tamperedTBS = s.crl.derEncoded
        let crlNumberOID: [UInt8] = [0x55, 0x1D, 0x14]
        let oidIndex = try #require(tamperedTBS.indices.first { Array(tamperedTBS[$0...].prefix(3)) == crlNumberOID })
        let numberIndex = try #require(tamperedTBS[oidIndex...].firstIndex(of: 42))
        tamperedTBS[numberIndex] = 43
        #expect(try CertificateRevocationList(derEncoded: tamperedTBS).crlNumber == 43)
        #expect(await check(.der(tamperedTBS)) == .invalid(.crlBadSignature))

        // Garbage and truncation: unreadable.
        for garbage: CRLSource in [.der([]), .der(Array(s.crl.derEncoded.prefix(40))), .pem("nope"), .pem(s.ca.certificatePEM)] {
            guard case .invalid(.crlUnreadable)? = Optional(await check(garbage)) else {
                Issue.record("expected crlUnreadable for \(garbage)")
                continue
            }
        }

        // Past nextUpdate: stale, fail closed. Before thisUpdate: not yet valid.
        #expect(await check(.parsed(s.crl), at: s.crl.nextUpdate.addingTimeInterval(1)) == .invalid(.crlExpired(nextUpdate: s.crl.nextUpdate)))
        let future = try CertificateRevocationList(
            issuerCertificate: s.ca.certificate, issuerKey: s.caKey, thisUpdate: Self.now.addingTimeInterval(3600),
            nextUpdate: Self.now.addingTimeInterval(7200), crlNumber: 43, entries: []
        )
        #expect(await check(.parsed(future)) == .invalid(.crlNotYetValid(thisUpdate: future.thisUpdate)))

        // A CRL from another CA says nothing about this one's certificates.
        let other = try Scenario(algorithm: .ecdsaP384)
        guard case .invalid(.crlWrongIssuer)? = Optional(await check(.parsed(other.crl))) else {
            Issue.record("expected crlWrongIssuer")
            return
        }
    }

    @Test func expiredCRLIsRejectedByOpenSSLToo() async throws {
        let s = try Scenario(algorithm: .ecdsaP256)
        let stale = try CertificateRevocationList(
            issuerCertificate: s.ca.certificate, issuerKey: s.caKey,
            thisUpdate: Self.now.addingTimeInterval(-7200), nextUpdate: Self.now.addingTimeInterval(-3600),
            crlNumber: 1, entries: []
        )
        let dir = try TemporaryDirectory()
        let ca = try dir.write("ca.pem", s.ca.certificatePEM)
        let crl = try dir.write("crl.pem", stale.pemEncoded)
        let good = try dir.write("good.pem", s.good.certificatePEM)
        let result = try await ExternalTool.openssl("verify", "-crl_check", "-CRLfile", crl, "-CAfile", ca, good)
        #expect(result.status != 0, "\(result)")
        let ours = await ChainVerifier(trustRoots: [s.ca.certificate]).verify(
            leaf: s.good.certificate, at: Self.now, crl: .parsed(stale)
        )
        #expect(ours == .invalid(.crlExpired(nextUpdate: stale.nextUpdate)))
    }

    @Test func crlSigningRequiresTheMatchingKeyAndSaneTimes() {
        #expect(throws: CRLError.self) {
            try CertificateRevocationList(
                issuerCertificate: Fixtures.root.certificate, issuerKey: Fixtures.key(.ecdsaP256),
                thisUpdate: Self.now, nextUpdate: Self.now.addingTimeInterval(60), crlNumber: 1, entries: []
            )
        }
        #expect(throws: CRLError.invalidParameters(reason: "nextUpdate must be after thisUpdate")) {
            try CertificateRevocationList(
                issuerCertificate: Fixtures.root.certificate, issuerKey: Fixtures.rootKey,
                thisUpdate: Self.now, nextUpdate: Self.now, crlNumber: 1, entries: []
            )
        }
    }

    @Test func reasonNamesParse() {
        #expect(CRLReason(name: "keyCompromise") == .keyCompromise)
        #expect(CRLReason(name: "CACOMPROMISE") == .cACompromise)
        #expect(CRLReason(name: "nonsense") == nil)
        #expect(CRLReason.allCases.count == 10)
    }
}
