import Foundation

/// RFC 3339 timestamps as ACME servers write them: `Z` or an offset, with fractional seconds of any precision
/// (Let's Encrypt sends nanoseconds).
enum RFC3339Date {
    static func parse(_ text: String) -> Date? {
        guard text.utf8.count <= 64 else { return nil }
        var base = text
        var fraction = 0.0
        if let dot = text.firstIndex(of: ".") {
            let digits = text[text.index(after: dot)...].prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty else { return nil }
            fraction = Double("0." + digits.prefix(9)) ?? 0
            base = String(text[..<dot]) + text[digits.endIndex...]
        }
        guard let whole = try? Date(base, strategy: Date.ISO8601FormatStyle()) else { return nil }
        return whole.addingTimeInterval(fraction)
    }

    /// A JSON decoder whose dates are RFC 3339 strings.
    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: "not an RFC 3339 time: \(text.prefix(64))"))
            }
            return date
        }
        return decoder
    }
}
