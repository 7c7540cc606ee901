import Foundation
import KeywardPKI
import Testing
import X509

@Suite struct ReissueTests {
    static let issuedAt = Fixtures.now
    static let template = CertificateTemplate(
        commonName: "svc.example.com",
        dnsNames: ["svc.example.com", "svc.default.svc"],
        ipAddresses: ["10.1.2.3", "2001:db8::5"],
        uris: ["spiffe://cluster.local/svc"],
        emailAddresses: ["svc@example.com"],
        subject: CertificateSubject(organizations: ["Example"]),
        duration: 90 * 86400
    )
    static let key = Fixtures.key(.ecdsaP256)
    static let issued = try! Fixtures.rootIssuer.issue(template: template, subjectKey: key, now: issuedAt)
    static let stored = StoredCertificate(certificatePEM: issued.fullchainPEM, privateKeyPEM: key.pemEncoded())
    static let midLife = issuedAt.addingTimeInterval(10 * 86400)

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var stored: StoredCertificate = ReissueTests.stored
        var template: CertificateTemplate = ReissueTests.template
        var algorithm: KeyAlgorithm = .ecdsaP256
        var issuer: Certificate? = Fixtures.root.certificate
        var now: Date = ReissueTests.midLife
        var renewalTime: Date? = ReissueTests.issuedAt.addingTimeInterval(60 * 86400)
        var expected: [ReissueReason]
        var testDescription: String { name }
    }

    static func changed(_ change: (inout CertificateTemplate) -> Void) -> CertificateTemplate {
        var template = Self.template
        change(&template)
        return template
    }

    static let otherKey = try! PrivateKey.generate(.ecdsaP256)
    static let selfSigned = try! Issuer.selfSigned.issue(template: template, subjectKey: key, now: issuedAt)

    static let cases: [Case] = [
        Case(name: "up to date", expected: []),
        Case(name: "names reordered, case and IPv6 spelling differ", template: changed {
            $0.dnsNames = ["SVC.default.svc", "svc.example.com"]
            $0.ipAddresses = ["2001:db8:0:0::5", "10.1.2.3"]
        }, expected: []),
        Case(name: "certificate missing", stored: StoredCertificate(certificatePEM: nil, privateKeyPEM: key.pemEncoded()),
             expected: [.missingCertificate]),
        Case(name: "certificate blank", stored: StoredCertificate(certificatePEM: " \n", privateKeyPEM: key.pemEncoded()),
             expected: [.missingCertificate]),
        Case(name: "certificate garbage", stored: StoredCertificate(certificatePEM: "garbage", privateKeyPEM: key.pemEncoded()),
             expected: [.unreadableCertificate(reason: "no PEM block found")]),
        Case(name: "key missing", stored: StoredCertificate(certificatePEM: issued.fullchainPEM, privateKeyPEM: nil),
             expected: [.missingPrivateKey]),
        Case(name: "key garbage", stored: StoredCertificate(certificatePEM: issued.fullchainPEM, privateKeyPEM: "xx"),
             expected: [.unreadablePrivateKey(reason: "private key is not PEM-encoded")]),
        Case(name: "key does not match", stored: StoredCertificate(certificatePEM: issued.fullchainPEM, privateKeyPEM: otherKey.pemEncoded()),
             expected: [.keyMismatch]),
        Case(name: "algorithm changed", algorithm: .rsa2048,
             expected: [.keyAlgorithmChanged(current: .ecdsaP256, desired: .rsa2048), .usagesChanged]),
        Case(name: "size changed", algorithm: .ecdsaP384, expected: [.keyAlgorithmChanged(current: .ecdsaP256, desired: .ecdsaP384)]),
        Case(name: "common name", template: changed { $0.commonName = "new.example.com" }, expected: [.commonNameChanged]),
        Case(name: "dns names", template: changed { $0.dnsNames.append("extra.example.com") }, expected: [.dnsNamesChanged]),
        Case(name: "ip addresses", template: changed { $0.ipAddresses = ["10.1.2.3"] }, expected: [.ipAddressesChanged]),
        Case(name: "uris", template: changed { $0.uris = [] }, expected: [.urisChanged]),
        Case(name: "emails", template: changed { $0.emailAddresses = ["other@example.com"] }, expected: [.emailAddressesChanged]),
        Case(name: "subject", template: changed { $0.subject.countries = ["FR"] }, expected: [.subjectChanged]),
        Case(name: "usages", template: changed { $0.usages = [.digitalSignature, .serverAuth, .clientAuth] }, expected: [.usagesChanged]),
        Case(name: "isCA", template: changed { $0.isCA = true }, expected: [.usagesChanged, .isCAChanged]),
        Case(name: "crl distribution points", template: changed { $0.crlDistributionPoints = ["http://crl.example.com/c.crl"] },
             expected: [.crlDistributionPointsChanged]),
        Case(name: "duration alone does not reissue", template: changed { $0.duration = 30 * 86400 }, expected: []),
        Case(name: "issuer rotated", issuer: Fixtures.intermediate.certificate, expected: [.issuerChanged(
            reason: "issued by \"CN=Keyward Test Root CA,O=Keyward Tests,C=DE\", expected \"CN=Keyward Test Intermediate CA,O=Keyward Tests,C=DE\""
        )]),
        Case(name: "expected self-signed", issuer: nil, expected: [.issuerChanged(reason: "expected a self-signed certificate")]),
        Case(name: "self-signed but CA expected",
             stored: StoredCertificate(certificatePEM: selfSigned.certificatePEM, privateKeyPEM: key.pemEncoded()),
             expected: [.issuerChanged(
                reason: "issued by \"CN=svc.example.com,O=Example\", expected \"CN=Keyward Test Root CA,O=Keyward Tests,C=DE\""
             )]),
        Case(name: "self-signed as expected",
             stored: StoredCertificate(certificatePEM: selfSigned.certificatePEM, privateKeyPEM: key.pemEncoded()),
             issuer: nil, expected: []),
        Case(name: "expired", now: issued.certificate.notValidAfter,
             expected: [.expired(notAfter: issued.certificate.notValidAfter)]),
        Case(name: "not yet valid", now: issued.certificate.notValidBefore.addingTimeInterval(-1),
             expected: [.notYetValid(notBefore: issued.certificate.notValidBefore)]),
        Case(name: "renewal due", now: issuedAt.addingTimeInterval(60 * 86400),
             expected: [.renewalDue(renewalTime: issuedAt.addingTimeInterval(60 * 86400))]),
        Case(name: "renewal not checked without a time", now: issuedAt.addingTimeInterval(80 * 86400), renewalTime: nil, expected: []),
        Case(name: "everything missing", stored: StoredCertificate(certificatePEM: nil, privateKeyPEM: nil),
             expected: [.missingCertificate, .missingPrivateKey]),
    ]

    @Test(arguments: cases)
    func reasons(for testCase: Case) {
        let reasons = ReissuePolicy.reasons(
            current: testCase.stored, desired: testCase.template, keyAlgorithm: testCase.algorithm,
            expectedIssuer: testCase.issuer, now: testCase.now, renewalTime: testCase.renewalTime
        )
        #expect(reasons == testCase.expected, "\(testCase.name)")
    }

    @Test func issuerRotationWithSameNameIsDetectedByKey() throws {
        // A new CA with the same subject but a new key: names match, AKI and signature do not.
        let newKey = try PrivateKey.generate(.ecdsaP256)
        let rotated = try Issuer.selfSigned.issue(
            template: CertificateTemplate(
                commonName: "Keyward Test Root CA",
                subject: CertificateSubject(organizations: ["Keyward Tests"], countries: ["DE"]),
                duration: 10 * 365 * 86400, isCA: true
            ),
            subjectKey: newKey, now: Self.issuedAt
        )
        let reasons = ReissuePolicy.reasons(
            current: Self.stored, desired: Self.template, keyAlgorithm: .ecdsaP256,
            expectedIssuer: rotated.certificate, now: Self.midLife, renewalTime: nil
        )
        #expect(reasons == [.issuerChanged(reason: "authority key identifier does not match the CA's subject key identifier")])
    }

    @Test func keyMaterialNeverAppearsInReasons() {
        let pem = Self.key.pemEncoded()
        var corrupted = Array(pem.utf8)
        corrupted[40] = UInt8(ascii: "!")
        let reasons = ReissuePolicy.reasons(
            current: StoredCertificate(certificatePEM: Self.issued.fullchainPEM, privateKeyPEM: String(decoding: corrupted, as: UTF8.self)),
            desired: Self.template, keyAlgorithm: .ecdsaP256, expectedIssuer: Fixtures.root.certificate,
            now: Self.midLife, renewalTime: nil
        )
        #expect(reasons.count == 1)
        let body = pem.split(separator: "\n")[1]
        #expect(!reasons.map(\.description).joined().contains(body.prefix(12)))
    }

    @Test func renewalTimeIsDeterministicAndBounded() {
        let notBefore = Self.issuedAt
        let notAfter = notBefore.addingTimeInterval(90 * 86400)
        let renewBefore: TimeInterval = 30 * 86400
        let first = RenewalSchedule.renewalTime(notBefore: notBefore, notAfter: notAfter, renewBefore: renewBefore, jitterSeed: "uid-1")
        let again = RenewalSchedule.renewalTime(notBefore: notBefore, notAfter: notAfter, renewBefore: renewBefore, jitterSeed: "uid-1")
        #expect(first == again)

        let latest = notAfter.addingTimeInterval(-renewBefore)
        let earliest = notAfter.addingTimeInterval(-renewBefore * (1 + RenewalSchedule.maximumJitterFraction))
        var times: Set<Date> = []
        for i in 0..<1000 {
            let time = RenewalSchedule.renewalTime(
                notBefore: notBefore, notAfter: notAfter, renewBefore: renewBefore, jitterSeed: "uid-\(i)"
            )
            #expect(time <= latest && time > earliest)
            times.insert(time)
        }
        // Different seeds spread out over most of the jitter window.
        #expect(times.count > 990)
        let spread = times.max()!.timeIntervalSince(times.min()!)
        #expect(spread > 0.9 * RenewalSchedule.maximumJitterFraction * renewBefore)
    }

    @Test func defaultRenewBeforeIsAThirdOfTheLifetime() {
        #expect(RenewalSchedule.defaultRenewBefore(duration: 90 * 86400) == 30 * 86400)
        let notBefore = Self.issuedAt
        let notAfter = notBefore.addingTimeInterval(90 * 86400)
        for renewBefore: TimeInterval? in [nil, 0, -5, 90 * 86400, 200 * 86400] {
            let time = RenewalSchedule.renewalTime(notBefore: notBefore, notAfter: notAfter, renewBefore: renewBefore, jitterSeed: "s")
            #expect(time <= notAfter.addingTimeInterval(-30 * 86400))
            #expect(time > notAfter.addingTimeInterval(-33 * 86400))
        }
    }

    @Test func convenienceOverloadComputesTheRenewalTimeFromTheCertificate() {
        let info = try! CertificateInfo(Self.issued.certificate)
        let due = RenewalSchedule.renewalTime(notBefore: info.notBefore, notAfter: info.notAfter, renewBefore: nil, jitterSeed: "uid")
        func reasons(at time: Date) -> [ReissueReason] {
            ReissuePolicy.reasons(
                current: Self.stored, desired: Self.template, keyAlgorithm: .ecdsaP256,
                expectedIssuer: Fixtures.root.certificate, now: time, renewBefore: nil, jitterSeed: "uid"
            )
        }
        #expect(reasons(at: due.addingTimeInterval(-1)) == [])
        #expect(reasons(at: due) == [.renewalDue(renewalTime: due)])
    }
}
