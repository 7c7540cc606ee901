import Foundation
import KeywardCore

/// Kubernetes' timestamp formats: `Time` is RFC 3339 with whole seconds; `MicroTime` has six fractional digits.
public enum KubeTime {
    private static let seconds = Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: .gmt)
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    public static func format(_ date: Date) -> String { seconds.format(date) }

    /// Six fractional digits, as a MicroTime (`2026-11-23T08:00:00.123456Z`).
    public static func formatMicro(_ date: Date) -> String {
        let whole = date.timeIntervalSince1970.rounded(.down)
        let micros = Int(((date.timeIntervalSince1970 - whole) * 1_000_000).rounded(.down))
        let base = seconds.format(Date(timeIntervalSince1970: whole))
        return String(base.dropLast()) + "." + String(format: "%06d", min(micros, 999_999)) + "Z"
    }

    /// Parses RFC 3339 with or without fractional seconds and with `Z` or a numeric offset.
    public static func parse(_ text: String) -> Date? {
        if let d = parseCanonical(text) { return d }
        if let d = try? seconds.parse(text) { return d }
        if let d = try? fractional.parse(text) { return d }
        // Fractions longer than milliseconds (MicroTime, RFC3339Nano) are not accepted by the format style.
        if let dot = text.firstIndex(of: "."),
            let zoneStart = text[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" })
        {
            let fraction = Double("0" + text[dot..<zoneStart]) ?? 0
            let rest = String(text[..<dot]) + String(text[zoneStart...])
            if let d = try? seconds.parse(rest) { return d.addingTimeInterval(fraction) }
        }
        return nil
    }

    /// Decoding strategy for JSONDecoder.
    public static let decodingStrategy: JSONDecoder.DateDecodingStrategy = .custom(decodeDate)

    /// A `Date` field as Kubernetes writes it: an RFC 3339 string.
    @Sendable public static func decodeDate(from decoder: any Decoder) throws -> Date {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let date = parse(text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "invalid RFC 3339 time '\(text)'")
        }
        return date
    }

    public static let encodingStrategy: JSONEncoder.DateEncodingStrategy = .custom { date, encoder in
        var c = encoder.singleValueContainer()
        try c.encode(format(date))
    }
}

extension KubeTime {
    /// `YYYY-MM-DDTHH:MM:SSZ`, the form the API server writes every `Time` in, read by arithmetic: the format style
    /// cost more than the rest of decoding an object. Anything else (offsets, fractions, a day past its month's end,
    /// a leap second, a year before 1600, which the format style reads in the Julian calendar) is left to the format
    /// style (nil here).
    static func parseCanonical(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
                bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "Z") else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for i in range {
                    let digit = Int(bytes[i]) - 48
                    guard digit >= 0, digit <= 9 else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
                let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
                year >= 1600, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
                hour <= 23, minute <= 59, second <= 59 else { return nil }
            let days = daysSinceEpoch(year: year, month: month, day: day)
            return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3_600 + minute * 60 + second))
        }
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a Gregorian date.
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// A timestamp with microseconds (Lease renewTime/acquireTime, events.k8s.io eventTime).
public struct MicroTime: Codable, Sendable, Hashable, Comparable {
    public var date: Date
    public init(_ date: Date) { self.date = date }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let date = KubeTime.parse(text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "invalid MicroTime '\(text)'")
        }
        self.date = date
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(KubeTime.formatMicro(date))
    }

    public static func < (a: MicroTime, b: MicroTime) -> Bool { a.date < b.date }
}

/// The JSON coders every Keyward component uses for Kubernetes objects.
public enum KubeJSON {
    public static func makeEncoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = KubeTime.encodingStrategy
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    public static func makeDecoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = KubeTime.decodingStrategy
        return d
    }

    /// What reads every Kubernetes object: ``JSONValue/parse(_:)`` and a walk of the tree (``JSONValueDecoder``),
    /// several times cheaper than `makeDecoder()` and reading the same.
    public static let decoder = JSONValueDecoder(dateDecoding: KubeTime.decodeDate)

    public static func decode<T: Decodable>(_ type: T.Type, from data: some DataProtocol) throws -> T {
        try decoder.decode(type, from: data)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try decoder.decode(type, from: value)
    }
}
