import Crypto
import Foundation
import Testing
import _CryptoExtras
@testable import SecretGenerators

/// The DER inside a single-block PEM of the given type.
private func der(_ pem: String, type: String) -> [UInt8]? {
    let lines = pem.split(separator: "\n")
    guard lines.first == "-----BEGIN \(type)-----", lines.last == "-----END \(type)-----", pem.hasSuffix("\n"),
        lines.dropFirst().dropLast().allSatisfy({ $0.count <= 64 })
    else { return nil }
    return Data(base64Encoded: lines.dropFirst().dropLast().joined()).map(Array.init)
}

/// Runs openssl with `input` on stdin; fails the test (not skips) when openssl is missing.
private func openssl(_ arguments: [String], input: Data) throws -> (status: Int32, output: String) {
    let candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        .map { "\($0)/openssl" }
    guard let executable = candidates.first(where: FileManager.default.isExecutableFile(atPath:)) else {
        Issue.record("openssl not found on PATH; run scripts/install-tools.sh")
        return (-1, "")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let stdin = Pipe()
    let stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = FileHandle.nullDevice
    try process.run()
    stdin.fileHandleForWriting.write(input)
    try stdin.fileHandleForWriting.close()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

@Suite struct PrivateKeyGeneratorTests {
    @Test(arguments: [
        (PrivateKeyGenerator.Algorithm.ecdsa, nil), (.ecdsa, 256), (.ecdsa, 384),
        (.rsa, nil), (.rsa, 3072), (.rsa, 4096), (.ed25519, nil),
    ] as [(PrivateKeyGenerator.Algorithm, Int?)])
    func keysAreParseablePKCS8WithMatchingPublicKeys(algorithm: PrivateKeyGenerator.Algorithm, size: Int?) throws {
        let secret = try PrivateKeyGenerator(algorithm: algorithm, size: size).generate()
        #expect(secret.keys == ["privateKey", "publicKey"])
        let privatePEM = try #require(secret["privateKey"]).string
        let publicPEM = try #require(secret["publicKey"]).string
        let pkcs8 = try #require(der(privatePEM, type: "PRIVATE KEY"), "private key is not PKCS#8 PEM")
        #expect(der(publicPEM, type: "PUBLIC KEY") != nil, "public key is not SPKI PEM")
        let message = Data("keyward".utf8)

        switch (algorithm, size) {
        case (.ecdsa, 384):
            let key = try P384.Signing.PrivateKey(pemRepresentation: privatePEM)
            let publicKey = try P384.Signing.PublicKey(pemRepresentation: publicPEM)
            #expect(publicKey.isValidSignature(try key.signature(for: message), for: message))
        case (.ecdsa, _):
            let key = try P256.Signing.PrivateKey(pemRepresentation: privatePEM)
            let publicKey = try P256.Signing.PublicKey(pemRepresentation: publicPEM)
            #expect(publicKey.isValidSignature(try key.signature(for: message), for: message))
        case (.rsa, let bits):
            let key = try _RSA.Signing.PrivateKey(pemRepresentation: privatePEM)
            #expect(key.keySizeInBits == (bits ?? 2048))
            let publicKey = try _RSA.Signing.PublicKey(pemRepresentation: publicPEM)
            let signature = try key.signature(for: message, padding: .PSS)
            #expect(publicKey.isValidSignature(signature, for: message, padding: .PSS))
        case (.ed25519, _):
            #expect(Array(pkcs8.prefix(16)) == PrivateKeyGenerator.ed25519PKCS8Prefix)
            #expect(pkcs8.count == 48)
            let key = try Curve25519.Signing.PrivateKey(rawRepresentation: pkcs8.suffix(32))
            let spki = try #require(der(publicPEM, type: "PUBLIC KEY"))
            let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: spki.suffix(32))
            #expect(publicKey.isValidSignature(try key.signature(for: message), for: message))
        }

        // An independent parser agrees: openssl reads the PKCS#8 key and derives the same public key.
        let derived = try openssl(["pkey", "-pubout"], input: Data(privatePEM.utf8))
        #expect(derived.status == 0)
        #expect(derived.output == publicPEM)
    }

    @Test func twoKeysDiffer() throws {
        let generator = PrivateKeyGenerator()
        let first = try generator.generate()
        let second = try generator.generate()
        #expect(first["privateKey"] != second["privateKey"])
        #expect("\(first["privateKey"]!)".hasPrefix("<redacted "))
    }

    @Test(arguments: [
        (PrivateKeyGenerator(algorithm: .ecdsa, size: 521), "size"),
        (PrivateKeyGenerator(algorithm: .rsa, size: 1024), "size"),
        (PrivateKeyGenerator(algorithm: .ed25519, size: 256), "size"),
    ])
    func invalidSizesNameTheField(generator: PrivateKeyGenerator, field: String) {
        let error = #expect(throws: GeneratorError.self) { try generator.generate() }
        #expect(error?.field == field)
    }
}

/// The rotation controller drives every generator through the protocol alone.
@Suite struct SecretGeneratorProtocolTests {
    @Test func everyGeneratorFillsExactlyItsOutputKeys() throws {
        let generators: [any SecretGenerator] = [
            PasswordGenerator(), TokenGenerator(), UUIDGenerator(), PrivateKeyGenerator(algorithm: .ed25519),
            BasicAuthGenerator(username: "u", cost: 4),
        ]
        for generator in generators {
            try generator.validate()
            let secret = try generator.generate()
            #expect(secret.keys == generator.outputKeys.sorted())
            #expect(secret.values.values.allSatisfy { !$0.data.isEmpty })
        }
    }
}
