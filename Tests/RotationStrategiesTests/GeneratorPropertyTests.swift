import Foundation
import RotationStrategies
import SecretGenerators
import Testing

@Suite("Generated values")
struct GeneratorPropertyTests {
    struct Case: Sendable, CustomStringConvertible {
        var generator: PasswordGenerator
        var description: String {
            "length=\(generator.length) digits=\(generator.effectiveDigits) symbols=\(generator.effectiveSymbols) "
                + "noUpper=\(generator.noUpper) repeat=\(generator.allowRepeat) excluded=\(generator.excludedCharacters.count)"
        }
    }

    static let cases: [Case] = [
        Case(generator: PasswordGenerator()),
        Case(generator: PasswordGenerator(length: 8, digits: 0, symbols: 0)),
        Case(generator: PasswordGenerator(length: 40, digits: 10, symbols: 5, noUpper: true)),
        Case(generator: PasswordGenerator(length: 64, digits: 30, symbols: 30, symbolCharacters: "-_", allowRepeat: true)),
        Case(generator: PasswordGenerator(length: 16, digits: 4, symbols: 4, excludedCharacters: "0O1lI|`'\"")),
        Case(generator: PasswordGenerator(length: 10, digits: 10, symbols: 0)),
    ]

    @Test("every draw has exactly the configured class counts, no excluded or repeated characters",
          arguments: cases)
    func classes(_ c: Case) throws {
        let g = c.generator
        let key = RotatedKey(name: "password", generator: .password(g))
        let symbols = Set(g.symbolCharacters.unicodeScalars)
        let excluded = Set(g.excludedCharacters.unicodeScalars)
        var seen = Set<String>()
        for _ in 0..<500 {
            let value = try #require(try key.generate()["password"]).string
            let scalars = Array(value.unicodeScalars)
            #expect(scalars.count == g.length)
            let digits = scalars.filter { ("0"..."9").contains($0) }.count
            let symbolCount = scalars.filter { symbols.contains($0) }.count
            let uppers = scalars.filter { ("A"..."Z").contains($0) }.count
            let lowers = scalars.filter { ("a"..."z").contains($0) }.count
            #expect(digits == g.effectiveDigits)
            #expect(symbolCount == g.effectiveSymbols)
            #expect(digits + symbolCount + uppers + lowers == g.length, "only the three classes occur")
            if g.noUpper { #expect(uppers == 0) }
            #expect(scalars.allSatisfy { !excluded.contains($0) })
            if !g.allowRepeat { #expect(Set(scalars).count == scalars.count) }
            seen.insert(value)
        }
        // Ten distinct digits allow only 10! = 3,628,800 values: 500 draws repeat one with probability 3.4 %, three
        // repeats have odds of about 6 in a million. A broken random source repeats far more.
        #expect(500 - seen.count <= 2, "draws repeat: \(500 - seen.count)")
    }

    @Test("every generator's values differ across draws and cover all value keys")
    func distinct() throws {
        let keys = [
            RotatedKey(name: "p", generator: .password(PasswordGenerator())),
            RotatedKey(name: "t", generator: .token(TokenGenerator(byteCount: 16, encoding: .hex))),
            RotatedKey(name: "u", generator: .uuid(UUIDGenerator())),
            RotatedKey(name: "k", generator: .privateKey(PrivateKeyGenerator(algorithm: .ed25519))),
            RotatedKey(name: "b", generator: .basicAuth(BasicAuthGenerator(username: "svc", cost: 4))),
        ]
        let a = try RotatedKey.generateAll(keys)
        let b = try RotatedKey.generateAll(keys)
        #expect(Set(a.keys) == ["p", "t", "u", "k", "b", "b.username", "b.password"])
        for key in a.keys where key != "b.username" { #expect(a[key] != b[key], "\(key) repeated") }
        #expect(a.text("t")?.count == 32)
        #expect(a.text("k")?.hasPrefix("-----BEGIN PRIVATE KEY-----") == true)
        let line = try #require(a.text("b"))
        let password = try #require(a["b.password"])
        #expect(Bcrypt.verify(password, against: String(line.dropFirst("svc:".count))))
    }

    @Test("generated values never show up in descriptions")
    func redacted() throws {
        let values = try RotatedKey(name: "p", generator: .password(PasswordGenerator())).generate()
        let value = try #require(values["p"])
        #expect(!"\(values)".contains(value.string))
        #expect(!String(reflecting: value).contains(value.string))
    }
}
