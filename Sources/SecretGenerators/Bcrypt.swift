import KeywardCore

/// bcrypt (Provos & Mazières, 1999) as OpenBSD defines it, producing `$2y$`/`$2b$`/`$2a$` hashes that Apache
/// htpasswd, nginx and every bcrypt library accept. swift-crypto has no bcrypt, hence this implementation.
///
/// Semantics of the modern variants (2b, and PHP's identical 2y): the password's bytes up to the first NUL, at
/// most 72 of them, plus a terminating NUL form the key. `$2a$` hashes are computed the same way (the historical
/// 2a bugs only affected passwords of 255+ bytes or, in one implementation, non-ASCII bytes).
public enum Bcrypt {
    public enum Version: String, Sendable, Hashable, CaseIterable {
        case a = "2a"
        case b = "2b"
        case y = "2y"
    }

    public static let defaultCost = 10
    public static let costRange = 4...31
    /// bcrypt ignores everything past this many password bytes.
    public static let maximumPasswordBytes = 72
    public static let saltByteCount = 16

    /// Hashes `password` with a fresh random salt.
    public static func hash(
        _ password: some Collection<UInt8>, cost: Int = defaultCost, version: Version = .y
    ) throws(GeneratorError) -> String {
        try hash(password, salt: SecureRandom.bytes(saltByteCount), cost: cost, version: version)
    }

    /// Hashes with a given 16-byte salt (for known-answer tests and for verification).
    public static func hash(
        _ password: some Collection<UInt8>, salt: [UInt8], cost: Int, version: Version
    ) throws(GeneratorError) -> String {
        guard costRange.contains(cost) else {
            throw .invalidOption(field: "cost", reason: "must be between 4 and 31, got \(cost)")
        }
        guard salt.count == saltByteCount else {
            throw .invalidOption(field: "salt", reason: "must be \(saltByteCount) bytes, got \(salt.count)")
        }
        let digest = rawHash(password, salt: salt, cost: cost)
        let costText = cost < 10 ? "0\(cost)" : "\(cost)"
        return "$\(version.rawValue)$\(costText)$" + BcryptBase64.encode(salt) + BcryptBase64.encode(digest)
    }

    /// Hashes with the version, cost and salt taken from `settings` — a full hash or just its first 29
    /// characters (`$2b$12$` + 22 salt characters), exactly like `crypt(3)`.
    public static func hash(_ password: some Collection<UInt8>, settings: String) throws(GeneratorError) -> String {
        let parsed = try parse(settings)
        return try hash(password, salt: parsed.salt, cost: parsed.cost, version: parsed.version)
    }

    /// Whether `password` produces `hash`. Malformed hashes never verify. Compares in constant time.
    public static func verify(_ password: some Collection<UInt8>, against hash: String) -> Bool {
        guard let recomputed = try? self.hash(password, settings: hash) else { return false }
        let expected = Array(hash.utf8)
        let actual = Array(recomputed.utf8)
        guard expected.count == actual.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(expected, actual) { difference |= x ^ y }
        return difference == 0
    }

    static func parse(_ settings: String) throws(GeneratorError) -> (version: Version, cost: Int, salt: [UInt8]) {
        let text = Array(settings.utf8)
        guard text.count == 29 || text.count == 60 else {
            throw .malformedHash(reason: "expected 29 or 60 characters, got \(text.count)")
        }
        guard text[0] == UInt8(ascii: "$"), text[3] == UInt8(ascii: "$"), text[6] == UInt8(ascii: "$"),
            let version = Version(rawValue: String(decoding: text[1..<3], as: UTF8.self))
        else {
            throw .malformedHash(reason: "expected a $2a$, $2b$ or $2y$ prefix and '$' after the cost")
        }
        guard let cost = Int(String(decoding: text[4..<6], as: UTF8.self)), costRange.contains(cost) else {
            throw .malformedHash(reason: "cost must be two digits between 04 and 31")
        }
        guard let salt = BcryptBase64.decode(text[7..<29], byteCount: saltByteCount),
            text.count == 29 || BcryptBase64.decode(text[29...], byteCount: 23) != nil
        else {
            throw .malformedHash(reason: "salt or digest contains characters outside bcrypt's base64 alphabet")
        }
        return (version, cost, salt)
    }

    /// EksBlowfishSetup, then 64 encryptions of "OrpheanBeholderScryDoubt"; the first 23 bytes of the result.
    static func rawHash(_ password: some Collection<UInt8>, salt: [UInt8], cost: Int) -> [UInt8] {
        var key = Array(password.prefix { $0 != 0 }.prefix(maximumPasswordBytes))
        key.append(0)

        var cipher = Blowfish()
        cipher.expand(key: key, salt: salt)
        for _ in 0..<(1 << cost) {
            cipher.expand(key: key, salt: [])
            cipher.expand(key: salt, salt: [])
        }

        let magic = Array("OrpheanBeholderScryDoubt".utf8)
        var words = (0..<6).map { i in
            magic[(i * 4)..<(i * 4 + 4)].reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
        }
        cipher.encrypt(&words, times: 64)
        let bytes = words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * $0)) } }
        return Array(bytes.prefix(23))
    }
}

/// bcrypt's own base64: alphabet `./A–Za–z0–9`, no padding, otherwise standard bit order.
enum BcryptBase64 {
    static let alphabet = Array("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
    static let values: [UInt8: UInt8] = Dictionary(
        uniqueKeysWithValues: alphabet.enumerated().map { ($0.element, UInt8($0.offset)) })

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i]
            let b1 = i + 1 < bytes.count ? bytes[i + 1] : 0
            let b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            if i + 1 < bytes.count { out.append(alphabet[Int((b1 & 0x0f) << 2 | b2 >> 6)]) }
            if i + 2 < bytes.count { out.append(alphabet[Int(b2 & 0x3f)]) }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes the first `byteCount` bytes; `nil` on a character outside the alphabet or too little input.
    static func decode(_ text: some Collection<UInt8>, byteCount: Int) -> [UInt8]? {
        var sextets: [UInt8] = []
        for character in text {
            guard let value = values[character] else { return nil }
            sextets.append(value)
        }
        var bits: UInt32 = 0
        var bitCount = 0
        var out: [UInt8] = []
        for sextet in sextets where out.count < byteCount {
            bits = (bits << 6) | UInt32(sextet)
            bitCount += 6
            if bitCount >= 8 {
                bitCount -= 8
                out.append(UInt8(truncatingIfNeeded: bits >> UInt32(bitCount)))
                bits &= (1 << UInt32(bitCount)) - 1
            }
        }
        return out.count == byteCount ? out : nil
    }
}
