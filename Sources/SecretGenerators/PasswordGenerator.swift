import Foundation
import KeywardCore

/// Random passwords with exact character-class counts, with external-secrets' `Password` generator fields.
///
/// This is also the `password` (and `basicAuth.password`) generator of a SecretRotation spec: KeywardAPI decodes
/// the spec into this type (``PasswordGenerator/init(from:)``), so options and defaults are defined only here.
///
/// A password of `length` characters holds exactly `digits` digits and `symbols` symbols; the rest are letters
/// (lowercase, plus uppercase unless `noUpper`). Characters are drawn and then shuffled with the system CSPRNG.
public struct PasswordGenerator: SecretGenerator, Hashable {
    public static let defaultLength = 24
    /// external-secrets' default symbol set, which the CRD's `symbolCharacters` default spells too.
    public static let defaultSymbolCharacters = "~!@#$%^&*()_+`-={}|[]\\:\"<>?,./"
    /// Upper bound on `length`, so a typo cannot make a controller build megabyte strings.
    public static let maximumLength = 4096

    public var length: Int
    /// Number of digits; `nil` means a quarter of `length` (rounded down), as external-secrets does.
    public var digits: Int?
    /// Number of symbols; `nil` means a quarter of `length` (rounded down).
    public var symbols: Int?
    /// The symbol alphabet: printable ASCII punctuation only (no letters, digits or spaces), so every class is
    /// unambiguous and every character is one byte.
    public var symbolCharacters: String
    public var noUpper: Bool
    /// When false, no character appears twice in one password.
    public var allowRepeat: Bool
    /// Removed from every class (e.g. `"0O1lI"` for passwords people must type).
    public var excludedCharacters: String
    /// Applied to the finished password.
    public var encoding: ValueEncoding

    public init(
        length: Int = PasswordGenerator.defaultLength,
        digits: Int? = nil,
        symbols: Int? = nil,
        symbolCharacters: String = PasswordGenerator.defaultSymbolCharacters,
        noUpper: Bool = false,
        allowRepeat: Bool = false,
        encoding: ValueEncoding = .raw,
        excludedCharacters: String = ""
    ) {
        self.length = length
        self.digits = digits
        self.symbols = symbols
        self.symbolCharacters = symbolCharacters
        self.noUpper = noUpper
        self.allowRepeat = allowRepeat
        self.excludedCharacters = excludedCharacters
        self.encoding = encoding
    }

    public var outputKeys: [String] { ["password"] }

    public var effectiveDigits: Int { digits ?? length / 4 }
    public var effectiveSymbols: Int { symbols ?? length / 4 }

    /// The three alphabets after exclusions, each duplicate-free.
    public struct Alphabets: Sendable, Hashable {
        public var digits: [UInt8]
        public var symbols: [UInt8]
        public var letters: [UInt8]
    }

    /// What each character class draws from once ``excludedCharacters`` is applied.
    public func alphabets() -> Alphabets {
        let excluded = Set(excludedCharacters.utf8)
        func pool(_ characters: some Sequence<UInt8>) -> [UInt8] {
            var seen = Set<UInt8>()
            return characters.filter { !excluded.contains($0) && seen.insert($0).inserted }
        }
        let lower = UInt8(ascii: "a")...UInt8(ascii: "z")
        let upper = UInt8(ascii: "A")...UInt8(ascii: "Z")
        return Alphabets(
            digits: pool(UInt8(ascii: "0")...UInt8(ascii: "9")),
            symbols: pool(symbolCharacters.utf8),
            letters: pool(noUpper ? Array(lower) : Array(lower) + Array(upper)))
    }

    public func validate() throws(GeneratorError) {
        _ = try validatedPlan()
    }

    private struct Plan {
        var alphabets: Alphabets
        var digits: Int
        var symbols: Int
        var letters: Int
    }

    private func validatedPlan() throws(GeneratorError) -> Plan {
        guard (1...Self.maximumLength).contains(length) else {
            throw .invalidOption(field: "length", reason: "must be between 1 and \(Self.maximumLength), got \(length)")
        }
        let digits = effectiveDigits
        let symbols = effectiveSymbols
        guard digits >= 0 else { throw .invalidOption(field: "digits", reason: "must not be negative, got \(digits)") }
        guard symbols >= 0 else {
            throw .invalidOption(field: "symbols", reason: "must not be negative, got \(symbols)")
        }
        guard digits <= length, symbols <= length - digits else {
            throw .invalidOption(
                field: "digits + symbols", reason: "\(digits) + \(symbols) exceeds length \(length)")
        }
        for scalar in symbolCharacters.unicodeScalars {
            let value = scalar.value
            let alphanumeric = (0x30...0x39).contains(value) || (0x41...0x5a).contains(value)
                || (0x61...0x7a).contains(value)
            guard (0x21...0x7e).contains(value), !alphanumeric else {
                throw .invalidOption(
                    field: "symbolCharacters",
                    reason: "must be printable ASCII punctuation; U+\(String(value, radix: 16, uppercase: true)) is not")
            }
        }
        let alphabets = alphabets()
        let letters = length - digits - symbols
        let classes: [(name: String, needed: Int, pool: [UInt8])] = [
            ("digits", digits, alphabets.digits),
            ("symbols", symbols, alphabets.symbols),
            ("letters", letters, alphabets.letters),
        ]
        for (name, needed, pool) in classes where needed > 0 {
            if pool.isEmpty {
                let field = name == "symbols" && symbolCharacters.isEmpty ? "symbolCharacters" : "excludedCharacters"
                throw .invalidOption(field: field, reason: "no \(name) remain to choose from, but \(needed) are needed")
            }
            if !allowRepeat && needed > pool.count {
                throw .invalidOption(
                    field: "allowRepeat",
                    reason: "\(needed) distinct \(name) are needed but only \(pool.count) are available")
            }
        }
        return Plan(alphabets: alphabets, digits: digits, symbols: symbols, letters: letters)
    }

    /// The encoded password alone.
    public func password() throws(GeneratorError) -> GeneratedValue {
        let plan = try validatedPlan()
        var characters = draw(plan.digits, from: plan.alphabets.digits)
        characters += draw(plan.symbols, from: plan.alphabets.symbols)
        characters += draw(plan.letters, from: plan.alphabets.letters)
        SecureRandom.shuffle(&characters)
        return GeneratedValue(encoding.encode(characters))
    }

    public func generate() throws(GeneratorError) -> GeneratedSecret {
        GeneratedSecret(["password": try password()])
    }

    /// `count` characters from `pool`; distinct ones (a partial Fisher–Yates shuffle) unless `allowRepeat`.
    private func draw(_ count: Int, from pool: [UInt8]) -> [UInt8] {
        if allowRepeat {
            return (0..<count).map { _ in pool[SecureRandom.index(below: pool.count)] }
        }
        var pool = pool
        for i in 0..<count {
            pool.swapAt(i, i + SecureRandom.index(below: pool.count - i))
        }
        return Array(pool.prefix(count))
    }
}
