import Foundation
import KeywardPKI
import KeywardTestSupport
import Testing
import X509

@Suite struct KeysTests {
    static let combinations: [(KeyAlgorithm, PrivateKeyEncoding)] = KeyAlgorithm.allCases.flatMap { algorithm in
        PrivateKeyEncoding.allCases.map { (algorithm, $0) }
    }

    @Test(arguments: combinations)
    func pemRoundTripsForEveryAlgorithmAndEncoding(algorithm: KeyAlgorithm, encoding: PrivateKeyEncoding) throws {
        let key = Fixtures.key(algorithm)
        let pem = key.pemEncoded(encoding: encoding)
        let expectedType: String
        switch (algorithm, encoding) {
        case (.ed25519, _), (_, .pkcs8): expectedType = "PRIVATE KEY"
        case (.rsa2048, .pkcs1), (.rsa3072, .pkcs1), (.rsa4096, .pkcs1): expectedType = "RSA PRIVATE KEY"
        default: expectedType = "EC PRIVATE KEY"
        }
        #expect(pem.hasPrefix("-----BEGIN \(expectedType)-----\n"))
        #expect(pem.hasSuffix("-----END \(expectedType)-----\n"))

        let parsed = try PrivateKey(pemEncoded: pem)
        #expect(parsed.algorithm == algorithm)
        #expect(parsed.publicKey == key.publicKey)
        #expect(parsed.pemEncoded(encoding: encoding) == pem)
        // Reading one encoding and writing the other preserves the key.
        let other: PrivateKeyEncoding = encoding == .pkcs1 ? .pkcs8 : .pkcs1
        #expect(try PrivateKey(pemEncoded: parsed.pemEncoded(encoding: other)).publicKey == key.publicKey)
    }

    @Test(arguments: combinations)
    func opensslReadsOurKeysAndAgreesOnThePublicKey(algorithm: KeyAlgorithm, encoding: PrivateKeyEncoding) async throws {
        let key = Fixtures.key(algorithm)
        let dir = try TemporaryDirectory()
        let path = try dir.write("key.pem", key.pemEncoded(encoding: encoding))
        let check = try await ExternalTool.openssl("pkey", "-in", path, "-check", "-noout")
        #expect(check.status == 0, "\(check)")
        // Same public key: OpenSSL's SubjectPublicKeyInfo PEM equals ours.
        let pub = try await ExternalTool.openssl("pkey", "-in", path, "-pubout")
        let certificate = try Issuer.selfSigned.issue(
            template: CertificateTemplate(commonName: "k", dnsNames: ["k.example"]), subjectKey: key, now: Fixtures.now
        ).certificate
        let opensslFromCert = try await ExternalTool.openssl(
            "x509", "-in", try dir.write("c.pem", PEMBundle.pemEncoded(certificate)), "-pubkey", "-noout"
        )
        #expect(pub.stdout == opensslFromCert.stdout)
    }

    static let opensslGenerated: [(String, [String], KeyAlgorithm)] = [
        ("rsa-pkcs8", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], .rsa2048),
        ("ec-p256-pkcs8", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], .ecdsaP256),
        ("ec-p384-pkcs8", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], .ecdsaP384),
        ("ed25519", ["genpkey", "-algorithm", "ED25519"], .ed25519),
    ]

    @Test(arguments: opensslGenerated)
    func readsKeysOpenSSLGenerates(name: String, arguments: [String], expected: KeyAlgorithm) async throws {
        let dir = try TemporaryDirectory()
        let pkcs8 = dir.path("\(name).pem")
        let generated = try await ExternalTool.run(ExternalTool.openssl, arguments + ["-out", pkcs8])
        #expect(generated.status == 0, "\(generated)")
        let key = try PrivateKey(pemEncoded: String(contentsOfFile: pkcs8, encoding: .utf8))
        #expect(key.algorithm == expected)
        if expected != .ed25519 {
            // The traditional (PKCS#1 / SEC1) form of the same key parses to the same key.
            let traditional = dir.path("\(name)-traditional.pem")
            let converted = try await ExternalTool.openssl("pkey", "-in", pkcs8, "-traditional", "-out", traditional)
            #expect(converted.status == 0, "\(converted)")
            let again = try PrivateKey(pemEncoded: String(contentsOfFile: traditional, encoding: .utf8))
            #expect(again.publicKey == key.publicKey)
        }
    }

    @Test func unsupportedKeysAreRefusedWithTypedErrors() async throws {
        let dir = try TemporaryDirectory()
        let p521 = dir.path("p521.pem")
        _ = try await ExternalTool.openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521", "-out", p521)
        #expect {
            try PrivateKey(pemEncoded: String(contentsOfFile: p521, encoding: .utf8))
        } throws: { error in
            guard case .unsupportedAlgorithm? = error as? KeyError else { return false }
            return true
        }
        let rsa1024 = dir.path("rsa1024.pem")
        _ = try await ExternalTool.openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", rsa1024)
        #expect(throws: KeyError.unsupportedAlgorithm("RSA 1024 (expected 2048, 3072 or 4096 bits)")) {
            try PrivateKey(pemEncoded: String(contentsOfFile: rsa1024, encoding: .utf8))
        }
        let encrypted = dir.path("encrypted.pem")
        _ = try await ExternalTool.openssl(
            "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256", "-pass", "pass:x",
            "-out", encrypted
        )
        #expect(throws: KeyError.encryptedKey) {
            try PrivateKey(pemEncoded: String(contentsOfFile: encrypted, encoding: .utf8))
        }
    }

    @Test func garbageGivesTypedErrors() throws {
        let key = Fixtures.key(.ecdsaP256)
        let certificatePEM = Fixtures.root.certificatePEM
        let cases: [(String, KeyError)] = [
            ("", .notPEM),
            ("hello world", .notPEM),
            ("-----BEGIN PRIVATE KEY-----\n!!!not base64!!!\n-----END PRIVATE KEY-----\n", .notPEM),
            ("-----BEGIN PRIVATE KEY-----\nMIIB\n", .notPEM),
            (certificatePEM, .noPrivateKey(foundBlocks: ["CERTIFICATE"])),
            (key.pemEncoded() + key.pemEncoded(encoding: .pkcs8), .multiplePrivateKeys(count: 2)),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                .malformedKey(format: "PKCS#8", reason: "not a valid PrivateKeyInfo structure")
            ),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMAA=\n-----END RSA PRIVATE KEY-----\n",
                .malformedKey(format: "PKCS#1 RSA", reason: "not a valid RSAPrivateKey")
            ),
            (
                "-----BEGIN EC PRIVATE KEY-----\nMAMCAQE=\n-----END EC PRIVATE KEY-----\n",
                .malformedKey(format: "SEC1", reason: "not a valid ECPrivateKey structure")
            ),
        ]
        for (input, expected) in cases {
            #expect(throws: expected) { try PrivateKey(pemEncoded: input) }
        }
        // A certificate bundled with its key (a combined file) is fine: exactly one key block.
        #expect(try PrivateKey(pemEncoded: certificatePEM + key.pemEncoded()).publicKey == key.publicKey)
    }

    @Test func truncatedAndBitFlippedKeysNeverCrash() {
        for algorithm in [KeyAlgorithm.ecdsaP256, .rsa2048, .ed25519] {
            let pem = Fixtures.key(algorithm).pemEncoded(encoding: .pkcs8)
            let lines = pem.split(separator: "\n")
            for cut in 1..<lines.count - 1 {
                let truncated = ([lines[0]] + lines[1..<cut] + [lines.last!]).joined(separator: "\n")
                #expect((try? PrivateKey(pemEncoded: truncated)) == nil, "truncated at line \(cut) parsed")
            }
            var bytes = Array(pem.utf8)
            for index in stride(from: 40, to: bytes.count - 40, by: 7) {
                let original = bytes[index]
                bytes[index] = original == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
                _ = try? PrivateKey(pemEncoded: String(decoding: bytes, as: UTF8.self))
                bytes[index] = original
            }
        }
    }

    @Test func mismatchedKeyAndCertificateAreDetected() throws {
        let certificate = try Issuer.selfSigned.issue(
            template: Fixtures.serverTemplate(), subjectKey: Fixtures.key(.ecdsaP256), now: Fixtures.now
        ).certificate
        #expect(Fixtures.key(.ecdsaP256).matches(certificate))
        for algorithm in KeyAlgorithm.allCases where algorithm != .ecdsaP256 {
            #expect(!Fixtures.key(algorithm).matches(certificate))
        }
        #expect(!(try PrivateKey.generate(.ecdsaP256)).matches(certificate))
    }

    @Test(arguments: KeyAlgorithm.allCases)
    func descriptionsRedactTheKey(algorithm: KeyAlgorithm) {
        let key = Fixtures.key(algorithm)
        let body = key.pemEncoded().split(separator: "\n").dropFirst().dropLast().joined()
        for text in ["\(key)", String(reflecting: key), "\([key])"] {
            #expect(text.contains("redacted"))
            #expect(!text.contains(String(body.prefix(16))))
        }
        #expect(String(describing: key) == "PrivateKey(\(algorithm), <redacted>)")
    }

    @Test func generatedKeysHaveTheRequestedAlgorithm() throws {
        for algorithm in KeyAlgorithm.allCases {
            #expect(Fixtures.key(algorithm).algorithm == algorithm)
        }
        #expect(Fixtures.key(.ecdsaP256).publicKey != (try PrivateKey.generate(.ecdsaP256)).publicKey)
    }

    @Test func specSpellingsResolve() throws {
        #expect(try KeyAlgorithm(family: nil, size: nil) == .ecdsaP256)
        #expect(try KeyAlgorithm(family: "RSA", size: nil) == .rsa2048)
        #expect(try KeyAlgorithm(family: "rsa", size: 4096) == .rsa4096)
        #expect(try KeyAlgorithm(family: "ECDSA", size: 384) == .ecdsaP384)
        #expect(try KeyAlgorithm(family: "Ed25519", size: nil) == .ed25519)
        #expect(throws: IssuanceError.self) { try KeyAlgorithm(family: "RSA", size: 1024) }
        #expect(throws: IssuanceError.self) { try KeyAlgorithm(family: "ECDSA", size: 521) }
        #expect(throws: IssuanceError.self) { try KeyAlgorithm(family: "DSA", size: nil) }
        #expect(try PrivateKeyEncoding(specValue: nil) == .pkcs1)
        #expect(try PrivateKeyEncoding(specValue: "pkcs8") == .pkcs8)
        #expect(throws: IssuanceError.self) { try PrivateKeyEncoding(specValue: "DER") }
    }
}
