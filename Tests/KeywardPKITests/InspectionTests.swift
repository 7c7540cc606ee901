import Foundation
import KeywardPKI
import KeywardTestSupport
import Testing
import X509

@Suite struct InspectionTests {
    static let template = CertificateTemplate(
        commonName: "api.example.com",
        dnsNames: ["api.example.com", "*.api.example.com"],
        ipAddresses: ["192.0.2.7", "2001:0db8:0000::0001"],
        uris: ["spiffe://cluster.local/ns/default/sa/api"],
        emailAddresses: ["ops@example.com"],
        subject: CertificateSubject(
            organizations: ["Example"], organizationalUnits: ["Platform"], countries: ["US"],
            localities: ["Springfield"], provinces: ["Oregon"]
        ),
        duration: 30 * 86400,
        usages: [.digitalSignature, .serverAuth, .clientAuth],
        crlDistributionPoints: ["http://crl.example.com/ca.crl"]
    )

    @Test func infoReflectsTheCertificate() async throws {
        let issued = try Fixtures.intermediateIssuer.issue(
            template: Self.template, subjectKey: Fixtures.key(.rsa3072), now: Fixtures.now
        )
        let info = try CertificateInfo(issued.certificate)
        #expect(info.commonName == "api.example.com")
        #expect(info.dnsNames == ["api.example.com", "*.api.example.com"])
        #expect(info.ipAddresses == ["192.0.2.7", "2001:db8::1"])
        #expect(info.uris == ["spiffe://cluster.local/ns/default/sa/api"])
        #expect(info.emailAddresses == ["ops@example.com"])
        #expect(info.subject == Self.template.subject)
        #expect(info.subjectDN == "CN=api.example.com,OU=Platform,O=Example,L=Springfield,ST=Oregon,C=US")
        #expect(info.issuerDN == "CN=Keyward Test Intermediate CA,O=Keyward Tests,C=DE")
        #expect(info.keyAlgorithm == .rsa3072)
        #expect(info.usages == [.digitalSignature, .serverAuth, .clientAuth])
        #expect(!info.isCA && info.maxPathLength == nil && !info.isSelfSigned)
        #expect(info.notBefore == Fixtures.now.addingTimeInterval(-60))
        #expect(info.notAfter == Fixtures.now.addingTimeInterval(30 * 86400))
        #expect(info.crlDistributionPoints == ["http://crl.example.com/ca.crl"])
        let intermediateInfo = try CertificateInfo(Fixtures.intermediate.certificate)
        #expect(info.authorityKeyIdentifier == intermediateInfo.subjectKeyIdentifier)
        #expect(intermediateInfo.isCA && intermediateInfo.maxPathLength == 0)
        #expect(intermediateInfo.keyAlgorithm == .ecdsaP384)
        #expect(try CertificateInfo(Fixtures.root.certificate).isSelfSigned)

        #expect(info.serialHex.count == 32)
        #expect(info.serialHex.allSatisfy { "0123456789abcdef".contains($0) })

        // Cross-check serial and fingerprint with OpenSSL.
        let dir = try TemporaryDirectory()
        let file = try dir.write("leaf.pem", issued.certificatePEM)
        let openssl = try await ExternalTool.openssl("x509", "-in", file, "-noout", "-serial", "-fingerprint", "-sha256")
        #expect(openssl.stdout.contains("serial=\(info.serialHex.uppercased())"))
        let fingerprint = openssl.stdout.split(separator: "\n").first { $0.contains("Fingerprint=") }
            .map { String($0.split(separator: "=").last!).replacingOccurrences(of: ":", with: "").lowercased() }
        #expect(fingerprint == info.sha256Fingerprint)
        // OpenSSL sees the same CRL distribution point.
        let text = try await ExternalTool.openssl("x509", "-in", file, "-noout", "-ext", "crlDistributionPoints")
        #expect(text.stdout.contains("URI:http://crl.example.com/ca.crl"))
    }

    @Test func infoFromPEMUsesTheFirstCertificate() throws {
        let issued = try Fixtures.intermediateIssuer.issue(
            template: Fixtures.serverTemplate(), subjectKey: Fixtures.key(.ecdsaP256), now: Fixtures.now
        )
        #expect(try CertificateInfo(pemEncoded: issued.fullchainPEM) == CertificateInfo(issued.certificate))
    }

    @Test func bundlesRoundTrip() throws {
        let certificates = [Fixtures.intermediate.certificate, Fixtures.root.certificate]
        let pem = PEMBundle.pemEncoded(certificates)
        #expect(try PEMBundle.certificates(from: pem) == certificates)
        // Windows line endings and surrounding text are tolerated.
        let noisy = "leading text\r\n" + pem.replacingOccurrences(of: "\n", with: "\r\n") + "trailing\r\n"
        #expect(try PEMBundle.certificates(from: noisy) == certificates)
    }

    @Test func garbageBundlesGiveTypedErrors() {
        let pem = Fixtures.root.certificatePEM
        #expect(throws: PEMError.noPEMBlocks) { try PEMBundle.certificates(from: "") }
        #expect(throws: PEMError.noPEMBlocks) { try PEMBundle.certificates(from: "just some text") }
        #expect {
            try PEMBundle.certificates(from: "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n")
        } throws: { error in
            guard case .malformedPEM? = error as? PEMError else { return false }
            return true
        }
        #expect(throws: PEMError.unexpectedBlockType(index: 1, found: "EC PRIVATE KEY", expected: "CERTIFICATE")) {
            try PEMBundle.certificates(from: pem + Fixtures.key(.ecdsaP256).pemEncoded())
        }
        #expect {
            try PEMBundle.certificates(from: "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n")
        } throws: { error in
            guard case .invalidCertificate(index: 0, _)? = error as? PEMError else { return false }
            return true
        }
    }

    @Test func mutatedCertificatesNeverCrash() {
        let der = Array(Data(base64Encoded: Fixtures.root.certificatePEM.split(separator: "\n").dropFirst().dropLast().joined())!)
        var rng = SystemRandomNumberGenerator()
        var outcomes: Set<Bool> = []
        for round in 0..<400 {
            var mutated = der
            switch round % 3 {
            case 0: mutated[Int.random(in: 0..<mutated.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            case 1: mutated = Array(mutated.prefix(Int.random(in: 0..<mutated.count, using: &rng)))
            default: mutated = (0..<Int.random(in: 0...600, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            let pem = "-----BEGIN CERTIFICATE-----\n\(Data(mutated).base64EncodedString(options: .lineLength64Characters))\n-----END CERTIFICATE-----\n"
            do {
                let parsed = try PEMBundle.certificates(from: pem)
                outcomes.insert(true)
                _ = try? CertificateInfo(parsed[0])
            } catch {
                outcomes.insert(false)  // typed: PEMBundle throws only PEMError
            }
        }
        #expect(outcomes.contains(false))
    }
}
