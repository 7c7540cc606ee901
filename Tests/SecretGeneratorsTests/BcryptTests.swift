import Foundation
import Testing
@testable import SecretGenerators

/// Published vectors (OpenBSD regress, jBCrypt, John the Ripper, crypt_blowfish), each confirmed against
/// libxcrypt's crypt(3) while writing this. Input bytes, then the expected hash.
private let bcryptVectors: [(password: [UInt8], hash: String)] = [
    ([], "$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s."),
    ([], "$2a$08$HqWuK6/Ng6sg9gQzbLrgb.Tl.ZHfXLhvt/SgVyWhQqgqcZ7ZuUtye"),
    ([], "$2a$10$k1wbIrmNyFAPwPVPSVa/zecw2BCEnBwVS2GbrmgzxFUOqW9dk4TCW"),
    ([], "$2a$12$k42ZFHFWqBp3vWli.nIn8uYyIkbvYRvodzbfbK18SSsY.CsIQPlxO"),
    ([], "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy"),
    (Array("a".utf8), "$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe"),
    (Array("a".utf8), "$2a$08$cfcvVd2aQ8CMvoMpP2EBfeodLEkkFJ9umNEfPD18.hUF62qqlC/V."),
    (Array("abc".utf8), "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i"),
    (Array("abcdefghijklmnopqrstuvwxyz".utf8), "$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC"),
    (Array("~!@#$%^&*()      ~!@#$%^&*()PNBFRD".utf8), "$2a$06$fPIsBO8qRqkjj273rfaOI.HtSV9jLDpTbZn782DC6/t7qT67P6FfO"),
    (Array("U*U".utf8), "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"),
    (Array("U*U*".utf8), "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"),
    (Array("U*U*U".utf8), "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a"),
    // 8-bit input: crypt_blowfish's sign-extension bug vector; 2y/2b are the correct results.
    ([0xa3], "$2y$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq"),
    ([0xa3], "$2b$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq"),
    // Only the first 72 bytes count.
    (
        Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored".utf8),
        "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui"
    ),
]

@Suite struct BcryptTests {
    @Test(arguments: bcryptVectors.indices)
    func knownAnswer(index: Int) throws {
        let vector = bcryptVectors[index]
        #expect(try Bcrypt.hash(vector.password, settings: vector.hash) == vector.hash)
        #expect(try Bcrypt.hash(vector.password, settings: String(vector.hash.prefix(29))) == vector.hash)
        #expect(Bcrypt.verify(vector.password, against: vector.hash))
        // bcrypt reads at most 72 bytes: a longer password with one more byte hashes the same, by design.
        if vector.password.count < Bcrypt.maximumPasswordBytes {
            #expect(!Bcrypt.verify(vector.password + [0x21], against: vector.hash))
        }
    }

    @Test func hashVerifiesAndRejectsWrongPasswords() throws {
        let password = Array("correct horse battery staple".utf8)
        let hash = try Bcrypt.hash(password, cost: 4)
        #expect(hash.hasPrefix("$2y$04$"))
        #expect(hash.utf8.count == 60)
        #expect(Bcrypt.verify(password, against: hash))
        #expect(!Bcrypt.verify(Array("correct horse battery stapler".utf8), against: hash))
        #expect(!Bcrypt.verify([], against: hash))
        // Same password, fresh salt, different hash.
        #expect(try Bcrypt.hash(password, cost: 4) != hash)
        // Any altered digest character fails.
        var tampered = Array(hash.utf8)
        tampered[59] = tampered[59] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
        #expect(!Bcrypt.verify(password, against: String(decoding: tampered, as: UTF8.self)))
    }

    @Test func defaultCostIsTenWithThe2yPrefix() throws {
        let hash = try Bcrypt.hash(Array("s3cret".utf8))
        #expect(hash.hasPrefix("$2y$10$"))
        #expect(Bcrypt.verify(Array("s3cret".utf8), against: hash))
    }

    @Test func passwordIsTruncatedAt72BytesAndAtNUL() throws {
        let salt = [UInt8](repeating: 0x5a, count: 16)
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: 72)
        let base = try Bcrypt.hash(long, salt: salt, cost: 4, version: .b)
        #expect(try Bcrypt.hash(long + Array("ignored".utf8), salt: salt, cost: 4, version: .b) == base)
        #expect(try Bcrypt.hash(long.dropLast(), salt: salt, cost: 4, version: .b) != base)
        let stopped = try Bcrypt.hash(Array("ab".utf8), salt: salt, cost: 4, version: .b)
        #expect(try Bcrypt.hash(Array("ab".utf8) + [0] + Array("cd".utf8), salt: salt, cost: 4, version: .b) == stopped)
    }

    @Test(arguments: [
        "", "$2a$05$", "$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2a$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2a$5$CCCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2a$05$CCCCCCCCCCCCCCCCCCCC*.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",
    ])
    func malformedHashesNeverVerifyAndSayWhy(hash: String) {
        #expect(!Bcrypt.verify(Array("U*U".utf8), against: hash))
        #expect {
            try Bcrypt.hash(Array("U*U".utf8), settings: hash)
        } throws: { error in
            if case .malformedHash = error as? GeneratorError { true } else { false }
        }
    }

    @Test func costAndSaltAreValidated() {
        #expect(throws: GeneratorError.invalidOption(field: "cost", reason: "must be between 4 and 31, got 3")) {
            try Bcrypt.hash([], cost: 3)
        }
        let error = #expect(throws: GeneratorError.self) { try Bcrypt.hash([], salt: [1, 2], cost: 4, version: .y) }
        #expect(error?.field == "salt")
    }

    @Test func bcryptBase64RoundTrips() {
        var rng = SplitMix64(state: 42)
        for count in [1, 2, 3, 16, 23, 40] {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let text = BcryptBase64.encode(bytes)
            #expect(text.utf8.count == (count * 4 + 2) / 3)
            #expect(BcryptBase64.decode(Array(text.utf8), byteCount: count) == bytes)
        }
        #expect(BcryptBase64.encode([UInt8](repeating: 0, count: 16)) == "......................")
    }
}

@Suite struct BasicAuthGeneratorTests {
    @Test func producesUsernamePasswordAndAVerifyingHtpasswdLine() throws {
        let generator = BasicAuthGenerator(username: "admin")
        let secret = try generator.generate()
        #expect(secret.keys == ["auth", "password", "username"])
        #expect(secret.keys == generator.outputKeys.sorted())
        #expect(secret["username"]?.string == "admin")
        let password = try #require(secret["password"])
        #expect(password.data.count == 24)
        let line = try #require(secret["auth"]).string
        #expect(line.hasPrefix("admin:$2y$10$"))
        #expect(line.utf8.count == "admin:".utf8.count + 60)
        let hash = String(line.dropFirst("admin:".count))
        #expect(Bcrypt.verify(password.data, against: hash))
        #expect(!Bcrypt.verify(Data("not-the-password".utf8), against: hash))
    }

    @Test func passwordOptionsApply() throws {
        let generator = BasicAuthGenerator(
            username: "svc", password: PasswordGenerator(length: 16, digits: 0, symbols: 0, noUpper: true), cost: 4)
        let secret = try generator.generate()
        let password = try #require(secret["password"])
        let unexpected = password.data.filter { !(97...122).contains($0) }.count
        #expect(password.data.count == 16 && unexpected == 0)
        let hash = String(try #require(secret["auth"]).string.dropFirst("svc:".count))
        #expect(hash.hasPrefix("$2y$04$"))
        #expect(Bcrypt.verify(password.data, against: hash))
    }

    @Test(arguments: [
        (BasicAuthGenerator(username: ""), "username"),
        (BasicAuthGenerator(username: "a:b"), "username"),
        (BasicAuthGenerator(username: "a\nb"), "username"),
        (BasicAuthGenerator(username: "a", password: .init(length: 80, allowRepeat: true)), "password.length"),
        // 60 characters become 80 bytes of base64.
        (BasicAuthGenerator(username: "a", password: .init(length: 60, allowRepeat: true, encoding: .base64)), "password.length"),
        (BasicAuthGenerator(username: "a", password: PasswordGenerator(length: 0)), "length"),
        (BasicAuthGenerator(username: "a", cost: 3), "cost"),
        (BasicAuthGenerator(username: "a", cost: 32), "cost"),
    ])
    func invalidOptionsNameTheField(generator: BasicAuthGenerator, field: String) {
        let error = #expect(throws: GeneratorError.self) { try generator.generate() }
        #expect(error?.field == field)
    }
}
