import Foundation
import KeywardPKI
import KeywardTestSupport
import Testing

/// `keyward inspect` and `keyward verify` as users run them (the built binary), on issued, expired, revoked,
/// wrong-name and mismatched-key material, with openssl judging the same files and agreeing on every verdict.
@Suite("keyward inspect and verify against openssl")
struct InspectVerifyTests {
    /// Material issued relative to the real clock (openssl checks against it).
    struct Material {
        let directory: TemporaryDirectory
        let now = Date()
        let caKey = try! PrivateKey.generate(.ecdsaP256)
        let leafKey = try! PrivateKey.generate(.ecdsaP256)
        let otherKey = try! PrivateKey.generate(.rsa2048)

        var ca: String { directory.path("ca.pem") }
        var leaf: String { directory.path("leaf.pem") }
        var key: String { directory.path("leaf.key") }
        var otherKeyPath: String { directory.path("other.key") }
        var expired: String { directory.path("expired.pem") }
        var revoked: String { directory.path("revoked.pem") }
        var crl: String { directory.path("crl.pem") }
        var staleCRL: String { directory.path("stale-crl.pem") }
        let leafSerial: String
        let expiredNotAfter: Date

        init() throws {
            let (now, caKey, leafKey) = (now, caKey, leafKey)
            let directory = try TemporaryDirectory(prefix: "keyward-verify")
            let root = try Issuer.selfSigned.issue(
                template: CertificateTemplate(commonName: "Verify Test Root", duration: 3650 * 86400, isCA: true),
                subjectKey: caKey, now: now.addingTimeInterval(-90 * 86400))
            let issuer = try Issuer(certificate: root.certificate, privateKey: caKey)
            func leafCertificate(_ name: String, issuedAt: Date, days: Double) throws -> IssuedCertificate {
                try issuer.issue(template: CertificateTemplate(commonName: name, dnsNames: [name], duration: days * 86400),
                                 subjectKey: leafKey, now: issuedAt)
            }
            let good = try leafCertificate("app.example.test", issuedAt: now.addingTimeInterval(-3600), days: 30)
            let old = try leafCertificate("old.example.test", issuedAt: now.addingTimeInterval(-40 * 86400), days: 30)
            let gone = try leafCertificate("gone.example.test", issuedAt: now.addingTimeInterval(-3600), days: 30)
            try directory.write("ca.pem", root.certificatePEM)
            try directory.write("leaf.pem", good.certificatePEM)
            try directory.write("leaf.key", leafKey.pemEncoded())
            try directory.write("other.key", otherKey.pemEncoded())
            try directory.write("expired.pem", old.certificatePEM)
            try directory.write("revoked.pem", gone.certificatePEM)
            let entry = RevokedCertificate(gone.certificate, revocationDate: now.addingTimeInterval(-60), reason: .keyCompromise)
            let current = try #require(try issuer.makeCRL(thisUpdate: now.addingTimeInterval(-600), nextUpdate: now.addingTimeInterval(7 * 86400),
                                                          crlNumber: 2, entries: [entry]))
            try directory.write("crl.pem", current.pemEncoded)
            let stale = try #require(try issuer.makeCRL(thisUpdate: now.addingTimeInterval(-10 * 86400),
                                                        nextUpdate: now.addingTimeInterval(-86400), crlNumber: 1, entries: []))
            try directory.write("stale-crl.pem", stale.pemEncoded)
            self.directory = directory
            leafSerial = try CertificateInfo(good.certificate).serialHex.uppercased()
            expiredNotAfter = try CertificateInfo(old.certificate).notAfter
        }
    }

    func keyward(_ arguments: String...) async throws -> ExternalTool.Output {
        try await ExternalTool.run(try keywardExecutable(), arguments, timeout: 60)
    }

    /// One verdict from each tool: keyward's exit code (0 valid, 1 invalid) and openssl verify's.
    func expectAgreement(_ keywardArguments: [String], _ opensslArguments: [String], valid: Bool,
                         reason: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let ours = try await ExternalTool.run(try keywardExecutable(), ["verify"] + keywardArguments, timeout: 60)
        let theirs = try await ExternalTool.run(ExternalTool.openssl, ["verify"] + opensslArguments)
        #expect(ours.status == (valid ? 0 : 1), "keyward verify \(keywardArguments): \(ours)", sourceLocation: sourceLocation)
        #expect((theirs.status == 0) == valid, "openssl verify \(opensslArguments): \(theirs)", sourceLocation: sourceLocation)
        #expect(ours.stdout.hasPrefix(valid ? "valid: " : "invalid: "), "\(ours)", sourceLocation: sourceLocation)
        if let reason { #expect(ours.stdout.contains(reason), "\(ours)", sourceLocation: sourceLocation) }
    }

    @Test func verdictsAgreeWithOpenSSL() async throws {
        let m = try Material()
        // Issued: valid, also with its key, its name and a current CRL that does not list it.
        try await expectAgreement(["--ca", m.ca, m.leaf], ["-CAfile", m.ca, m.leaf], valid: true)
        try await expectAgreement(["--ca", m.ca, "--key", m.key, "--dns-name", "app.example.test", "--crl", m.crl, m.leaf],
                                  ["-CAfile", m.ca, "-verify_hostname", "app.example.test", "-crl_check", "-CRLfile", m.crl, m.leaf],
                                  valid: true)
        // Expired, and the same certificate at a time inside its validity.
        try await expectAgreement(["--ca", m.ca, m.expired], ["-CAfile", m.ca, m.expired], valid: false, reason: "expired")
        let inside = m.expiredNotAfter.addingTimeInterval(-86400)
        try await expectAgreement(["--ca", m.ca, "--at", inside.formatted(.iso8601), m.expired],
                                  ["-CAfile", m.ca, "-attime", String(Int(inside.timeIntervalSince1970)), m.expired], valid: true)
        // Revoked in the CRL.
        try await expectAgreement(["--ca", m.ca, "--crl", m.crl, m.revoked], ["-CAfile", m.ca, "-crl_check", "-CRLfile", m.crl, m.revoked],
                                  valid: false, reason: "revoked")
        // A stale CRL fails closed, even for a certificate it would not list.
        try await expectAgreement(["--ca", m.ca, "--crl", m.staleCRL, m.leaf], ["-CAfile", m.ca, "-crl_check", "-CRLfile", m.staleCRL, m.leaf],
                                  valid: false, reason: "failing closed")
        // Wrong name.
        try await expectAgreement(["--ca", m.ca, "--dns-name", "other.example.test", m.leaf],
                                  ["-CAfile", m.ca, "-verify_hostname", "other.example.test", m.leaf], valid: false, reason: "other.example.test")
        // A foreign trust anchor: the leaf does not chain to it.
        try await expectAgreement(["--ca", m.leaf, m.revoked], ["-CAfile", m.leaf, m.revoked], valid: false)
    }

    @Test func mismatchedKeyFailsAsOpenSSLSees() async throws {
        let m = try Material()
        let certificateKey = try await ExternalTool.openssl("x509", "-noout", "-pubkey", "-in", m.leaf)
        let ownKey = try await ExternalTool.openssl("pkey", "-pubout", "-in", m.key)
        let foreignKey = try await ExternalTool.openssl("pkey", "-pubout", "-in", m.otherKeyPath)
        #expect(certificateKey.stdout == ownKey.stdout && certificateKey.stdout != foreignKey.stdout)

        let matching = try await keyward("verify", "--ca", m.ca, "--key", m.key, m.leaf)
        #expect(matching.status == 0, "\(matching)")
        let mismatched = try await keyward("verify", "--ca", m.ca, "--key", m.otherKeyPath, m.leaf)
        #expect(mismatched.status == 1 && mismatched.stdout.contains("does not match"), "\(mismatched)")

        let inspected = try await keyward("inspect", m.leaf, m.otherKeyPath)
        #expect(inspected.status == 0, "\(inspected)")
        #expect(inspected.stdout.contains("RSA 2048, matches no inspected certificate"), "\(inspected.stdout)")
        let paired = try await keyward("inspect", m.leaf, m.key)
        #expect(paired.stdout.contains("matches certificate \(m.leaf)#1"), "\(paired.stdout)")
        for output in [inspected.stdout, paired.stdout, mismatched.stdout] {
            #expect(!output.contains("PRIVATE KEY") && !Self.keyBodyLines(m.key).contains { output.contains($0) })
        }
    }

    @Test func inspectReportsWhatOpenSSLReads() async throws {
        let m = try Material()
        let fullchain = try m.directory.write("fullchain.pem", try String(contentsOfFile: m.leaf, encoding: .utf8)
                                                + String(contentsOfFile: m.ca, encoding: .utf8))
        let inspected = try await keyward("inspect", "-o", "json", fullchain, m.crl, m.expired)
        #expect(inspected.status == 0, "\(inspected)")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [[String: Any]])
        #expect(reports.count == 3)
        let certificates = try #require(reports[0]["certificates"] as? [[String: Any]])
        #expect(certificates.count == 2)
        let serial = try await ExternalTool.openssl("x509", "-noout", "-serial", "-in", m.leaf)
        #expect(serial.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "serial=\(m.leafSerial)")
        #expect(certificates[0]["serialNumber"] as? String == m.leafSerial)
        #expect(certificates[0]["dnsNames"] as? [String] == ["app.example.test"])
        #expect(certificates[0]["issuedByNext"] as? Bool == true, "leaf first, then its CA: correct order")
        #expect(certificates[0]["validity"] as? String == "valid")
        #expect(certificates[1]["isCA"] as? Bool == true)
        let subject = try await ExternalTool.openssl("x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in", m.leaf)
        #expect(subject.stdout.contains(try #require(certificates[0]["subject"] as? String)), "\(subject.stdout)")

        let crl = try #require((reports[1]["crls"] as? [[String: Any]])?.first)
        let crlText = try await ExternalTool.openssl("crl", "-noout", "-text", "-in", m.crl)
        let revokedSerial = try #require((crl["revokedSerialNumbers"] as? [String])?.first)
        #expect(crlText.stdout.contains("Serial Number: \(revokedSerial)"), "\(crlText.stdout)")
        #expect(crl["current"] as? Bool == true)

        let expired = try #require((reports[2]["certificates"] as? [[String: Any]])?.first)
        #expect(expired["validity"] as? String == "expired")
        let checkend = try await ExternalTool.openssl("x509", "-noout", "-checkend", "0", "-in", m.expired)
        #expect(checkend.status == 1, "openssl also says it has expired: \(checkend)")

        // Wrong order (CA first) is reported, and a garbled block is a problem (exit 1) without echoing its bytes.
        let reversed = try m.directory.write("reversed.pem", try String(contentsOfFile: m.ca, encoding: .utf8)
                                               + String(contentsOfFile: m.leaf, encoding: .utf8))
        let order = try await keyward("inspect", reversed)
        #expect(order.stdout.contains("not issued by the next certificate"), "\(order.stdout)")
        let garbled = try m.directory.write("garbled.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        let bad = try await keyward("inspect", garbled)
        #expect(bad.status == 1 && bad.stdout.contains("unreadable #1 (CERTIFICATE)"), "\(bad)")
    }

    /// A certificate's subject may carry terminal control sequences (here OSC 52, which sets the clipboard): printed
    /// as they are, they would act on the terminal of whoever inspects or verifies it.
    @Test func controlCharactersInACertificateArePrintedEscaped() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-escape")
        let key = directory.path("key.pem"), certificate = directory.path("cert.pem")
        let made = try await ExternalTool.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                                  "-keyout", key, "-out", certificate, "-days", "1", "-utf8",
                                                  "-subj", "/CN=evil\u{1B}]52;c;cHduZWQ=\u{07}name")
        #expect(made.status == 0, "\(made)")
        for command in [["inspect", certificate], ["verify", certificate, "--ca", certificate]] {
            let result = try await ExternalTool.run(try keywardExecutable(), command, timeout: 60)
            #expect(!result.stdout.contains("\u{1B}") && !result.stdout.contains("\u{07}"), "\(command[0]) printed a control character")
            #expect(result.stdout.contains("evil\\u{1B}]52"), "\(result.stdout)")
        }
    }

    @Test func badOptionsExitTwoAndMissingFilesFailClosed() async throws {
        let m = try Material()
        let both = try await keyward("verify", "--ca", m.ca, "--crl", m.crl, "--crl-url", "http://127.0.0.1:9/x.crl", m.leaf)
        #expect(both.status == 2, "\(both)")
        let badTime = try await keyward("verify", "--ca", m.ca, "--at", "yesterday", m.leaf)
        #expect(badTime.status == 2, "\(badTime)")
        let missingCRL = try await keyward("verify", "--ca", m.ca, "--crl", m.directory.path("nope.crl"), m.leaf)
        #expect(missingCRL.status == 1 && missingCRL.stdout.contains("no such file"), "\(missingCRL)")
        // Nothing listens on port 9 of 127.0.0.1: an unreachable CRL URL is a failure, not a pass.
        let unreachable = try await keyward("verify", "--ca", m.ca, "--crl-url", "http://127.0.0.1:9/root.crl", m.leaf)
        #expect(unreachable.status == 1 && unreachable.stdout.contains("failing closed"), "\(unreachable)")
    }

    /// --crl-url: the CRL fetched over HTTP (a python3 http.server on 127.0.0.1 serving the material folder) is
    /// used like a file; a URL that answers 404 fails closed.
    @Test func crlFromURL() async throws {
        let m = try Material()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        let portFile = m.directory.path("port")
        server.arguments = ["-c", """
            import http.server, functools, sys
            handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
            httpd = http.server.HTTPServer(("127.0.0.1", 0), handler)
            open(sys.argv[2] + ".tmp", "w").write(str(httpd.server_address[1]))
            import os; os.rename(sys.argv[2] + ".tmp", sys.argv[2])
            httpd.serve_forever()
            """, m.directory.url.path, portFile]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.runSerialized()
        defer { server.terminate() }
        let listening = await within(30, every: .milliseconds(50)) { FileManager.default.fileExists(atPath: portFile) }
        #expect(listening, "python3 http.server did not start")
        let port = try String(contentsOfFile: portFile, encoding: .utf8)
        let base = "http://127.0.0.1:\(port)"

        try await expectAgreement(["--ca", m.ca, "--crl-url", "\(base)/crl.pem", m.revoked],
                                  ["-CAfile", m.ca, "-crl_check", "-CRLfile", m.crl, m.revoked], valid: false, reason: "revoked")
        try await expectAgreement(["--ca", m.ca, "--crl-url", "\(base)/crl.pem", m.leaf],
                                  ["-CAfile", m.ca, "-crl_check", "-CRLfile", m.crl, m.leaf], valid: true)
        let missing = try await keyward("verify", "--ca", m.ca, "--crl-url", "\(base)/nope.crl", m.leaf)
        #expect(missing.status == 1 && missing.stdout.contains("HTTP 404") && missing.stdout.contains("failing closed"), "\(missing)")
    }

    /// The base64 lines of a PEM key, to prove none reaches any output.
    static func keyBodyLines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
            .filter { !$0.hasPrefix("-----") && $0.count > 16 }.map(String.init)
    }
}
