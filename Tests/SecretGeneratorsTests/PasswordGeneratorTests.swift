import Foundation
import Testing
@testable import SecretGenerators

/// Every way `password` breaks the generator's contract, described without revealing the password.
private func violations(of password: GeneratedValue, _ generator: PasswordGenerator) -> [String] {
    guard let bytes = decode(password.data, generator.encoding) else {
        return ["does not decode as \(generator.encoding)"]
    }
    let digits = Set(UInt8(ascii: "0")...UInt8(ascii: "9"))
    let symbols = Set(generator.symbolCharacters.utf8)
    let lower = Set(UInt8(ascii: "a")...UInt8(ascii: "z"))
    let upper = Set(UInt8(ascii: "A")...UInt8(ascii: "Z"))
    let excluded = Set(generator.excludedCharacters.utf8)
    var problems: [String] = []
    if bytes.count != generator.length { problems.append("length \(bytes.count), want \(generator.length)") }
    let digitCount = bytes.filter(digits.contains).count
    if digitCount != generator.effectiveDigits {
        problems.append("\(digitCount) digits, want \(generator.effectiveDigits)")
    }
    let symbolCount = bytes.filter(symbols.contains).count
    if symbolCount != generator.effectiveSymbols {
        problems.append("\(symbolCount) symbols, want \(generator.effectiveSymbols)")
    }
    let letterCount = bytes.filter { lower.contains($0) || upper.contains($0) }.count
    if letterCount + digitCount + symbolCount != bytes.count { problems.append("characters outside every class") }
    if generator.noUpper && bytes.contains(where: upper.contains) { problems.append("uppercase despite noUpper") }
    if bytes.contains(where: excluded.contains) { problems.append("contains an excluded character") }
    if !generator.allowRepeat && Set(bytes).count != bytes.count { problems.append("repeats a character") }
    return problems
}

/// A random option set that is valid by construction (pool sizes computed the way a user would).
private func randomValidOptions(_ rng: inout SplitMix64) -> PasswordGenerator {
    let encoding = ValueEncoding.allCases.randomElement(using: &rng)!
    let noUpper = Bool.random(using: &rng)
    if Int.random(in: 0..<4, using: &rng) == 0 {
        // Defaults for digits/symbols: a quarter of the length each.
        return PasswordGenerator(length: Int.random(in: 4...40, using: &rng), noUpper: noUpper, encoding: encoding)
    }
    let allowRepeat = Bool.random(using: &rng)
    let allSymbols = PasswordGenerator.defaultSymbolCharacters
    let symbolCharacters =
        Bool.random(using: &rng)
        ? allSymbols : String(allSymbols.shuffled(using: &rng).prefix(Int.random(in: 1...10, using: &rng)))
    let excludable = Array("0O1lIo5S" + PasswordGenerator.defaultSymbolCharacters)
    let excluded = String(excludable.shuffled(using: &rng).prefix(Int.random(in: 0...6, using: &rng)))
    let generator = PasswordGenerator(
        symbolCharacters: symbolCharacters, noUpper: noUpper, allowRepeat: allowRepeat, encoding: encoding,
        excludedCharacters: excluded)
    let pools = generator.alphabets()
    func count(_ pool: [UInt8], cap: Int) -> Int {
        pool.isEmpty ? 0 : Int.random(in: 0...(allowRepeat ? cap : min(cap, pool.count)), using: &rng)
    }
    let digits = count(pools.digits, cap: 12)
    let symbols = count(pools.symbols, cap: 12)
    let letters = max(count(pools.letters, cap: 40), digits + symbols == 0 ? 1 : 0)
    var result = generator
    result.length = digits + symbols + letters
    result.digits = digits
    result.symbols = symbols
    return result
}

@Suite struct PasswordGeneratorTests {
    @Test func twoThousandDrawsAcrossRandomOptionSetsMeetTheirConstraintsExactly() throws {
        var rng = SplitMix64(state: 0x6B65_7977_6172_64)
        var failures: [String] = []
        for draw in 0..<2000 {
            let generator = randomValidOptions(&rng)
            do {
                let password = try generator.password()
                let problems = violations(of: password, generator)
                if !problems.isEmpty { failures.append("draw \(draw) \(generator): \(problems)") }
            } catch {
                failures.append("draw \(draw) \(generator): valid options rejected: \(error)")
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    @Test func twoThousandDefaultPasswordsAreDistinctAndShuffled() throws {
        let generator = PasswordGenerator()
        var seen = Set<GeneratedValue>()
        var digitFirst = 0
        var characters = Set<UInt8>()
        for _ in 0..<2000 {
            let password = try generator.password()
            #expect(violations(of: password, generator) == [])
            seen.insert(password)
            if let first = password.data.first, (48...57).contains(first) { digitFirst += 1 }
            characters.formUnion(password.data)
        }
        #expect(seen.count == 2000)
        // Defaults are 24 chars: 6 digits, 6 symbols, 12 letters. Shuffled, a digit leads 25% of the time
        // (expected 500, σ ≈ 19); unshuffled it would be 0% or 100%.
        #expect((350...650).contains(digitFirst))
        // Every character of every class turns up somewhere in 48,000 draws.
        let alphabets = generator.alphabets()
        #expect(characters == Set(alphabets.digits + alphabets.symbols + alphabets.letters))
    }

    @Test("the spec form: absent fields take the defaults, and what is encoded decodes to the same options")
    func specForm() throws {
        let empty = try JSONDecoder().decode(PasswordGenerator.self, from: Data("{}".utf8))
        #expect(empty == PasswordGenerator())
        let custom = PasswordGenerator(length: 12, digits: 2, symbols: 0, symbolCharacters: "-_", noUpper: true,
                                       allowRepeat: true, encoding: .hex, excludedCharacters: "0O")
        #expect(try JSONDecoder().decode(PasswordGenerator.self, from: JSONEncoder().encode(custom)) == custom)
        let plain = try JSONSerialization.jsonObject(with: JSONEncoder().encode(PasswordGenerator())) as? [String: Any]
        #expect(plain?["excludedCharacters"] == nil && plain?["digits"] == nil && plain?["length"] as? Int == 24)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(PasswordGenerator.self, from: Data(#"{"encoding": "base32"}"#.utf8))
        }
    }

    @Test func defaultsFollowExternalSecrets() {
        let generator = PasswordGenerator()
        #expect(generator.length == 24)
        #expect(generator.effectiveDigits == 6)
        #expect(generator.effectiveSymbols == 6)
        // external-secrets' defaultSymbolChars (and the CRD's `symbolCharacters` default), backquote, backslash and
        // double quote included.
        #expect(generator.symbolCharacters == "~!@#$%^&*()_+`-={}|[]\\:\"<>?,./")
        #expect(!generator.allowRepeat && !generator.noUpper && generator.encoding == .raw)
        #expect(generator.outputKeys == ["password"])
    }

    @Test func encodingAppliesToTheFinishedPassword() throws {
        for encoding in ValueEncoding.allCases {
            let generator = PasswordGenerator(length: 30, encoding: encoding)
            let value = try generator.password()
            #expect(value.data.count == encoding.encodedLength(of: 30))
            #expect(violations(of: value, generator) == [])
        }
    }

    @Test func repeatsAreAllowedOnlyWhenAsked() throws {
        // 40 digits cannot be distinct; with allowRepeat they are fine.
        let repeating = PasswordGenerator(length: 40, digits: 40, symbols: 0, allowRepeat: true)
        let value = try repeating.password()
        #expect(violations(of: value, repeating) == [])
        var strict = repeating
        strict.allowRepeat = false
        #expect(throws: GeneratorError.self) { try strict.password() }
    }

    static let invalid: [(PasswordGenerator, String)] = [
        (PasswordGenerator(length: 0), "length"),
        (PasswordGenerator(length: 5000, allowRepeat: true), "length"),
        (PasswordGenerator(digits: -1), "digits"),
        (PasswordGenerator(symbols: -2), "symbols"),
        (PasswordGenerator(length: 10, digits: 6, symbols: 6), "digits + symbols"),
        (PasswordGenerator(length: 10, digits: Int.max, symbols: Int.max), "digits + symbols"),  // the sum overflows
        (PasswordGenerator(symbolCharacters: "!a"), "symbolCharacters"),
        (PasswordGenerator(symbolCharacters: "! "), "symbolCharacters"),
        (PasswordGenerator(symbolCharacters: "!é"), "symbolCharacters"),
        (PasswordGenerator(symbols: 2, symbolCharacters: ""), "symbolCharacters"),
        (PasswordGenerator(digits: 2, excludedCharacters: "0123456789"), "excludedCharacters"),
        (PasswordGenerator(symbols: 1, symbolCharacters: "!?", excludedCharacters: "?!"), "excludedCharacters"),
        (PasswordGenerator(noUpper: true, excludedCharacters: "abcdefghijklmnopqrstuvwxyz"), "excludedCharacters"),
        (PasswordGenerator(length: 11, digits: 11, symbols: 0), "allowRepeat"),
        (PasswordGenerator(length: 30, digits: 0, symbols: 0, noUpper: true), "allowRepeat"),
        (PasswordGenerator(length: 8, digits: 0, symbols: 4, symbolCharacters: "!@#"), "allowRepeat"),
    ]

    @Test(arguments: invalid.indices)
    func invalidOptionsNameTheField(index: Int) {
        let (generator, field) = Self.invalid[index]
        let error = #expect(throws: GeneratorError.self) { try generator.generate() }
        #expect(error?.field == field)
        #expect(error.map { "\($0)".hasPrefix("invalid \(field): ") } == true)
        #expect(throws: GeneratorError.self) { try generator.validate() }
    }

    @Test func valuesNeverShowInDescriptions() throws {
        let secret = try PasswordGenerator(length: 40, digits: 0, symbols: 0, allowRepeat: true).generate()
        let password = try #require(secret["password"]).string
        var dumped = ""
        dump(secret, to: &dumped)
        let texts = ["\(secret)", String(reflecting: secret), "\(secret["password"]!)", dumped]
        // Count, so a failure cannot print the password itself.
        let leaks = texts.filter { $0.contains(password) }.count
        #expect(leaks == 0)
        #expect("\(secret)" == "GeneratedSecret(keys: [\"password\"])")
        #expect("\(secret["password"]!)" == "<redacted 40 bytes>")
    }
}
