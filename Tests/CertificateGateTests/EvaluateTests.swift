#if canImport(Glibc)
import Glibc
#endif
import CertificateGate
import Foundation
import KeywardCore
import KeywardPKI
import Testing

@Suite("CertificateGate.evaluate")
struct EvaluateTests {
    let now = Fixtures.issuedAt.addingTimeInterval(3600)

    func options(_ dir: TemporaryDirectory, _ change: (inout WaitForCertsOptions) -> Void = { _ in })
        -> WaitForCertsOptions
    {
        var options = WaitForCertsOptions(directory: dir.path)
        change(&options)
        return options
    }

    @Test func missingFilesAreAReasonToWait() async throws {
        let dir = try TemporaryDirectory()
        #expect(await CertificateGate.evaluate(options(dir), at: now) == .waiting(.missingFile(path: dir.file("cert.pem"))))

        // The directory itself not existing yet (volume not populated) is the same situation.
        let absent = WaitForCertsOptions(directory: dir.path + "/not-yet")
        #expect(await CertificateGate.evaluate(absent, at: now)
                == .waiting(.missingFile(path: dir.path + "/not-yet/cert.pem")))

        // A dangling symlink, as the atomic layout has before its first ..data swap.
        try FileManager.default.createSymbolicLink(atPath: dir.file("cert.pem"), withDestinationPath: "..data/cert.pem")
        #expect(await CertificateGate.evaluate(options(dir), at: now) == .waiting(.missingFile(path: dir.file("cert.pem"))))
    }

    /// Whoever shares the volume may put a FIFO (or a link to one) where cert.pem goes: opening it would block
    /// past --timeout. It is an unreadable file, reported at once, and the gate keeps waiting.
    @Test func aFIFOIsUnreadableNotABlockedOpen() async throws {
        let dir = try TemporaryDirectory()
        #expect(mkfifo(dir.file("cert.pem"), 0o644) == 0)
        #expect(FileProbe.read(dir.file("cert.pem")) == .unreadable("not a regular file"))
        try FileManager.default.createSymbolicLink(atPath: dir.file("key.pem"), withDestinationPath: "cert.pem")
        #expect(FileProbe.read(dir.file("key.pem")) == .unreadable("not a regular file"))
        let verdict = await CertificateGate.evaluate(options(dir), at: now)
        guard case .waiting = verdict else {
            Issue.record("expected to wait, got \(verdict)")
            return
        }
    }

    @Test func partialFilesAreAReasonToWait() async throws {
        let dir = try TemporaryDirectory()
        try dir.write("cert.pem", Fixtures.leaf.certificatePEM)
        #expect(await CertificateGate.evaluate(options(dir), at: now)
                == .waiting(.missingFile(path: dir.file("privkey.pem"))))

        // A certificate cut off mid-write.
        let pem = Fixtures.leaf.certificatePEM
        try dir.write("cert.pem", String(pem.prefix(pem.count / 2)))
        try dir.write("privkey.pem", Fixtures.leafKey.pemEncoded())
        let verdict = await CertificateGate.evaluate(options(dir), at: now)
        guard case .waiting(.notACertificate(let path, _)) = verdict else {
            Issue.record("expected notACertificate, got \(verdict)")
            return
        }
        #expect(path == dir.file("cert.pem"))

        // An empty file (created, not yet filled).
        try dir.write("cert.pem", "")
        #expect(await CertificateGate.evaluate(options(dir), at: now) == .waiting(.emptyFile(path: dir.file("cert.pem"))))
    }

    @Test(arguments: [
        Array("hello, this is not a certificate\n".utf8),
        [0x30, 0x82, 0xff, 0xff, 0x00, 0x01],  // DER-looking junk
        [0xff, 0xfe, 0x00, 0xc3, 0x28, 0xa0, 0xa1],  // invalid UTF-8
        Array("-----BEGIN CERTIFICATE-----\n!!!!notbase64!!!!\n-----END CERTIFICATE-----\n".utf8),
        Array("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n".utf8),
    ])
    func garbageCertificateIsAReasonToWait(bytes: [UInt8]) async throws {
        let dir = try TemporaryDirectory()
        try dir.write("cert.pem", bytes: bytes)
        try dir.write("privkey.pem", Fixtures.leafKey.pemEncoded())
        let verdict = await CertificateGate.evaluate(options(dir), at: now)
        guard case .waiting(.notACertificate(let path, _)) = verdict else {
            Issue.record("expected notACertificate, got \(verdict)")
            return
        }
        #expect(path == dir.file("cert.pem"))
    }

    @Test func garbageKeyIsAReasonToWaitAndItsTextIsNeverShown() async throws {
        let dir = try TemporaryDirectory()
        try dir.write("cert.pem", Fixtures.leaf.certificatePEM)
        // A key block with its body damaged: the reason must not echo any of it.
        let keyPEM = Fixtures.leafKey.pemEncoded()
        let lines = keyPEM.split(separator: "\n")
        let damaged = ([lines[0]] + lines[1..<(lines.count - 1)].map { "\($0.dropLast(3))@@@" } + [lines.last!])
            .joined(separator: "\n")
        try dir.write("privkey.pem", damaged)
        let verdict = await CertificateGate.evaluate(options(dir), at: now)
        guard case .waiting(let reason) = verdict, case .notAPrivateKey(let path, _) = reason else {
            Issue.record("expected notAPrivateKey, got \(verdict)")
            return
        }
        #expect(path == dir.file("privkey.pem"))
        for line in lines.dropFirst().dropLast() {
            #expect(!reason.description.contains(line.prefix(16)))
        }

        // A certificate where the key belongs.
        try dir.write("privkey.pem", Fixtures.leaf.certificatePEM)
        let swapped = await CertificateGate.evaluate(options(dir), at: now)
        guard case .waiting(.notAPrivateKey) = swapped else {
            Issue.record("expected notAPrivateKey, got \(swapped)")
            return
        }
    }

    @Test func mismatchedKeyIsAReasonToWait() async throws {
        let dir = try TemporaryDirectory()
        let otherKey = try PrivateKey.generate(.ecdsaP256)
        try dir.write("cert.pem", Fixtures.leaf.certificatePEM)
        try dir.write("privkey.pem", otherKey.pemEncoded())
        #expect(await CertificateGate.evaluate(options(dir), at: now)
                == .waiting(.keyMismatch(certificatePath: dir.file("cert.pem"), keyPath: dir.file("privkey.pem"))))
    }

    @Test func validityWindowIsEnforced() async throws {
        let dir = try TemporaryDirectory()
        try dir.writePair(Fixtures.leaf, key: Fixtures.leafKey)
        let info = try CertificateInfo(pemEncoded: Fixtures.leaf.certificatePEM)

        #expect(await CertificateGate.evaluate(options(dir), at: info.notBefore.addingTimeInterval(-1))
                == .waiting(.notYetValid(notBefore: info.notBefore)))
        #expect(await CertificateGate.evaluate(options(dir), at: info.notAfter.addingTimeInterval(1))
                == .waiting(.expired(notAfter: info.notAfter)))
        // Same answers when a CA is given (the chain verifier's own checks map to the same reasons).
        let withCA = options(dir) { $0.caFile = dir.file("ca.pem") }
        #expect(await CertificateGate.evaluate(withCA, at: info.notAfter.addingTimeInterval(1))
                == .waiting(.expired(notAfter: info.notAfter)))

        // Valid, but not for long enough.
        let minValidity = GoDuration.hours(48)
        let lastDay = info.notAfter.addingTimeInterval(-86400)
        #expect(await CertificateGate.evaluate(options(dir) { $0.minValidity = minValidity }, at: lastDay)
                == .waiting(.insufficientValidity(notAfter: info.notAfter, minValidity: minValidity)))
        #expect(await CertificateGate.evaluate(options(dir) { $0.minValidity = .hours(23) }, at: lastDay) == .ready(info))
    }

    @Test func requestedNamesMustBeCovered() async throws {
        let dir = try TemporaryDirectory()
        try dir.writePair(Fixtures.leaf, key: Fixtures.leafKey)
        let wrong = options(dir) { $0.dnsNames = ["app.example.test", "other.example.test"] }
        #expect(await CertificateGate.evaluate(wrong, at: now) == .waiting(.nameNotCovered(name: "other.example.test")))
        #expect(await CertificateGate.evaluate(options(dir) { $0.dnsNames = ["10.0.0.1"] }, at: now)
                == .waiting(.nameNotCovered(name: "10.0.0.1")))
        // The CA path reports the same reason.
        let wrongWithCA = options(dir) { $0.dnsNames = ["other.example.test"]; $0.caFile = dir.file("ca.pem") }
        #expect(await CertificateGate.evaluate(wrongWithCA, at: now)
                == .waiting(.nameNotCovered(name: "other.example.test")))

        let right = options(dir) { $0.dnsNames = ["APP.example.test", "127.0.0.1"] }
        #expect(await CertificateGate.evaluate(right, at: now).isReady)
    }

    @Test func wildcardsCoverExactlyOneLabel() async throws {
        let dir = try TemporaryDirectory()
        let key = try PrivateKey.generate(.ecdsaP256)
        try dir.writePair(Fixtures.issueLeaf(key: key, names: ["*.example.test"], ips: []), key: key)
        #expect(await CertificateGate.evaluate(options(dir) { $0.dnsNames = ["a.example.test"] }, at: now).isReady)
        #expect(await CertificateGate.evaluate(options(dir) { $0.dnsNames = ["a.b.example.test"] }, at: now)
                == .waiting(.nameNotCovered(name: "a.b.example.test")))
        #expect(await CertificateGate.evaluate(options(dir) { $0.dnsNames = ["example.test"] }, at: now)
                == .waiting(.nameNotCovered(name: "example.test")))
    }

    @Test func chainMustVerifyAgainstTheCA() async throws {
        let dir = try TemporaryDirectory()
        try dir.writePair(Fixtures.leaf, key: Fixtures.leafKey)
        try dir.write("other-ca.pem", Fixtures.otherRoot.caPEM)
        let verdict = await CertificateGate.evaluate(options(dir) { $0.caFile = dir.file("other-ca.pem") }, at: now)
        guard case .waiting(.untrustedChain) = verdict else {
            Issue.record("expected untrustedChain, got \(verdict)")
            return
        }
        // A garbage CA file keeps the gate shut too.
        try dir.write("bad-ca.pem", "garbage")
        let garbage = await CertificateGate.evaluate(options(dir) { $0.caFile = dir.file("bad-ca.pem") }, at: now)
        guard case .waiting(.notACertificate(let path, _)) = garbage else {
            Issue.record("expected notACertificate, got \(garbage)")
            return
        }
        #expect(path == dir.file("bad-ca.pem"))
        #expect(await CertificateGate.evaluate(options(dir) { $0.caFile = dir.file("missing-ca.pem") }, at: now)
                == .waiting(.missingFile(path: dir.file("missing-ca.pem"))))
    }

    @Test func intermediatesComeFromTheCertificateFileOrExtraFiles() async throws {
        let dir = try TemporaryDirectory()
        let intermediateKey = try PrivateKey.generate(.ecdsaP256)
        let intermediate = try Fixtures.rootIssuer.issue(
            template: CertificateTemplate(commonName: "Gate Test Intermediate", duration: 365 * 86400, isCA: true),
            subjectKey: intermediateKey, now: Fixtures.issuedAt.addingTimeInterval(-3600))
        let intermediateIssuer = try Issuer(certificate: intermediate.certificate, privateKey: intermediateKey,
                                            chain: [Fixtures.root.certificate])
        let key = try PrivateKey.generate(.ecdsaP256)
        let leaf = Fixtures.issueLeaf(key: key, by: intermediateIssuer)
        try dir.writePair(leaf, key: key)
        let info = try CertificateInfo(pemEncoded: leaf.certificatePEM)

        // Leaf alone: no path to the root.
        let leafOnly = await CertificateGate.evaluate(options(dir) { $0.caFile = dir.file("ca.pem") }, at: now)
        guard case .waiting(.untrustedChain) = leafOnly else {
            Issue.record("expected untrustedChain, got \(leafOnly)")
            return
        }
        let fullchain = options(dir) { $0.files = ["fullchain.pem", "privkey.pem"]; $0.caFile = dir.file("ca.pem") }
        #expect(await CertificateGate.evaluate(fullchain, at: now) == .ready(info))
        let extra = options(dir) { $0.files = ["cert.pem", "privkey.pem", "chain.pem"]; $0.caFile = dir.file("ca.pem") }
        #expect(await CertificateGate.evaluate(extra, at: now) == .ready(info))
    }

    @Test func revokedCertificateIsAReasonToWait() async throws {
        let dir = try TemporaryDirectory()
        try dir.writePair(Fixtures.leaf, key: Fixtures.leafKey)
        let unrelated = Fixtures.issueLeaf(key: try PrivateKey.generate(.ecdsaP256))
        try dir.write("crl.pem", Fixtures.crl(revoking: [unrelated, Fixtures.leaf]))
        let gated = options(dir) { $0.caFile = dir.file("ca.pem"); $0.crlFile = dir.file("crl.pem") }
        let info = try CertificateInfo(pemEncoded: Fixtures.leaf.certificatePEM)
        #expect(await CertificateGate.evaluate(gated, at: now)
                == .waiting(.revoked(serialHex: info.serialHex, reason: .keyCompromise,
                                     revocationDate: Fixtures.issuedAt)))

        try dir.write("crl.pem", Fixtures.crl(revoking: [unrelated]))
        #expect(await CertificateGate.evaluate(gated, at: now) == .ready(info))
    }

    @Test func unusableCRLFailsClosed() async throws {
        let dir = try TemporaryDirectory()
        try dir.writePair(Fixtures.leaf, key: Fixtures.leafKey)
        let crlPath = dir.file("crl.pem")
        let gated = options(dir) { $0.caFile = dir.file("ca.pem"); $0.crlFile = crlPath }

        #expect(await CertificateGate.evaluate(gated, at: now) == .waiting(.missingFile(path: crlPath)))

        try dir.write("crl.pem", "not a CRL at all")
        let garbage = await CertificateGate.evaluate(gated, at: now)
        guard case .waiting(.crlUnreadable(let path, _)) = garbage else {
            Issue.record("expected crlUnreadable, got \(garbage)")
            return
        }
        #expect(path == crlPath)

        try dir.write("crl.pem", Fixtures.crl(revoking: [], by: Fixtures.otherRootIssuer))
        let foreign = await CertificateGate.evaluate(gated, at: now)
        guard case .waiting(.crlNotSignedByCA(let foreignPath, _)) = foreign else {
            Issue.record("expected crlNotSignedByCA, got \(foreign)")
            return
        }
        #expect(foreignPath == crlPath)

        try dir.write("crl.pem", Fixtures.crl(revoking: [], validFor: 600))
        let nextUpdate = Fixtures.issuedAt.addingTimeInterval(600)
        #expect(await CertificateGate.evaluate(gated, at: now) == .waiting(.crlExpired(path: crlPath, nextUpdate: nextUpdate)))
    }

    @Test func crlIsAlsoReadAsDER() async throws {
        let dir = try TemporaryDirectory()
        try dir.writePair(Fixtures.leaf, key: Fixtures.leafKey)
        let crl = try CertificateRevocationList(pemEncoded: Fixtures.crl(revoking: [Fixtures.leaf]))
        try dir.write("crl.der", bytes: crl.derEncoded)
        let gated = options(dir) { $0.caFile = dir.file("ca.pem"); $0.crlFile = dir.file("crl.der") }
        guard case .waiting(.revoked) = await CertificateGate.evaluate(gated, at: now) else {
            Issue.record("a DER CRL listing the certificate must keep the gate shut")
            return
        }
    }

    @Test func validFilesAreReady() async throws {
        let dir = try TemporaryDirectory()
        try dir.writePair(Fixtures.leaf, key: Fixtures.leafKey)
        try dir.write("crl.pem", Fixtures.crl(revoking: []))
        let info = try CertificateInfo(pemEncoded: Fixtures.leaf.certificatePEM)
        #expect(await CertificateGate.evaluate(options(dir), at: now) == .ready(info))
        let everything = options(dir) {
            $0.caFile = dir.file("ca.pem")
            $0.crlFile = dir.file("crl.pem")
            $0.dnsNames = ["app.example.test", "127.0.0.1"]
            $0.minValidity = .hours(24 * 7)
        }
        #expect(await CertificateGate.evaluate(everything, at: now) == .ready(info))

        // Other file names, an absolute path, and a combined certificate+key file.
        try dir.write("tls.crt", Fixtures.leaf.certificatePEM)
        try dir.write("tls.key", Fixtures.leafKey.pemEncoded(encoding: .pkcs8))
        try dir.write("combined.pem", Fixtures.leafKey.pemEncoded() + Fixtures.leaf.fullchainPEM)
        #expect(await CertificateGate.evaluate(options(dir) { $0.files = ["tls.crt", dir.file("tls.key")] }, at: now)
                == .ready(info))
        #expect(await CertificateGate.evaluate(options(dir) { $0.files = ["combined.pem"] }, at: now) == .ready(info))
    }

    @Test func selfSignedCertificateTrustedAsItsOwnCA() async throws {
        let dir = try TemporaryDirectory()
        let key = try PrivateKey.generate(.ecdsaP256)
        let selfSigned = try Issuer.selfSigned.issue(
            template: CertificateTemplate(commonName: "standalone.test", dnsNames: ["standalone.test"],
                                          duration: 86400),
            subjectKey: key, now: Fixtures.issuedAt)
        try dir.writePair(selfSigned, key: key)
        let gated = options(dir) { $0.caFile = dir.file("ca.pem"); $0.dnsNames = ["standalone.test"] }
        #expect(await CertificateGate.evaluate(gated, at: now).isReady)
    }

    @Test func impossibleOptionsAreRejectedUpFront() throws {
        #expect(throws: CertificateGateError.self) {
            try WaitForCertsOptions(directory: "/d", crlFile: "/d/crl.pem").validate()
        }
        #expect(throws: CertificateGateError.self) { try WaitForCertsOptions(directory: "/d", files: []).validate() }
        #expect(throws: CertificateGateError.self) {
            try WaitForCertsOptions(directory: "/d", interval: .seconds(0)).validate()
        }
        #expect(throws: CertificateGateError.self) {
            try WaitForCertsOptions(directory: "/d", files: ["a", "a"]).validate()
        }
        try WaitForCertsOptions(directory: "/d", caFile: "/d/ca.pem", crlFile: "/d/crl.pem").validate()
    }
}
