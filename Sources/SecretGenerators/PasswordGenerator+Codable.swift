/// The spec form (a SecretRotation's `generator.password`, external-secrets' field names): absent fields take the
/// defaults the CRD schema also declares, and an empty ``PasswordGenerator/excludedCharacters`` is not written.
extension PasswordGenerator: Codable {
    enum CodingKeys: String, CodingKey {
        case length, digits, symbols, symbolCharacters, noUpper, allowRepeat, encoding, excludedCharacters
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            length: try c.decodeIfPresent(Int.self, forKey: .length) ?? Self.defaultLength,
            digits: try c.decodeIfPresent(Int.self, forKey: .digits),
            symbols: try c.decodeIfPresent(Int.self, forKey: .symbols),
            symbolCharacters: try c.decodeIfPresent(String.self, forKey: .symbolCharacters)
                ?? Self.defaultSymbolCharacters,
            noUpper: try c.decodeIfPresent(Bool.self, forKey: .noUpper) ?? false,
            allowRepeat: try c.decodeIfPresent(Bool.self, forKey: .allowRepeat) ?? false,
            encoding: try c.decodeIfPresent(ValueEncoding.self, forKey: .encoding) ?? .raw,
            excludedCharacters: try c.decodeIfPresent(String.self, forKey: .excludedCharacters) ?? "")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(length, forKey: .length)
        try c.encodeIfPresent(digits, forKey: .digits)
        try c.encodeIfPresent(symbols, forKey: .symbols)
        try c.encode(symbolCharacters, forKey: .symbolCharacters)
        try c.encode(noUpper, forKey: .noUpper)
        try c.encode(allowRepeat, forKey: .allowRepeat)
        try c.encode(encoding, forKey: .encoding)
        if !excludedCharacters.isEmpty { try c.encode(excludedCharacters, forKey: .excludedCharacters) }
    }
}
