import Foundation

/// A duration written the way Kubernetes users write them (Go's `time.ParseDuration`): `2160h`, `1h30m`, `500ms`.
///
/// cert-manager's `duration`/`renewBefore` fields use this syntax, so Keyward accepts exactly it: a sequence of
/// decimal numbers, each with a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`). Days are deliberately not accepted
/// (Go does not accept them either); write `720h` for 30 days.
public struct GoDuration: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The length in nanoseconds.
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    public init(seconds: Double) { self.nanoseconds = Int64((seconds * 1e9).rounded()) }
    public static func hours(_ h: Int64) -> GoDuration { GoDuration(nanoseconds: h * 3_600_000_000_000) }
    public static func minutes(_ m: Int64) -> GoDuration { GoDuration(nanoseconds: m * 60_000_000_000) }
    public static func seconds(_ s: Int64) -> GoDuration { GoDuration(nanoseconds: s * 1_000_000_000) }

    public var seconds: Double { Double(nanoseconds) / 1e9 }
    public var timeInterval: TimeInterval { seconds }
    public var swiftDuration: Duration { .nanoseconds(nanoseconds) }

    /// Parses `text`; throws ``GoDuration/ParseError`` naming what was wrong.
    public init(parsing text: String) throws(ParseError) {
        if let whole = Self.wholeUnits(text) {
            nanoseconds = whole
        } else {
            nanoseconds = try Self.parsedGenerally(text)
        }
    }

    static func parsedGenerally(_ text: String) throws(ParseError) -> Int64 {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !s.isEmpty else { throw ParseError(input: text, reason: "empty duration") }
        var negative = false
        if s.first == "-" || s.first == "+" { negative = s.first == "-"; s = s.dropFirst() }
        if s == "0" { return 0 }
        var total: Double = 0
        while !s.isEmpty {
            let numberEnd = s.firstIndex(where: { !($0.isASCII && ($0.isNumber || $0 == ".")) }) ?? s.endIndex
            let numberText = s[s.startIndex..<numberEnd]
            guard !numberText.isEmpty, let value = Double(numberText) else {
                throw ParseError(input: text, reason: "expected a number at '\(s)'")
            }
            s = s[numberEnd...]
            let unitEnd = s.firstIndex(where: { $0.isASCII && ($0.isNumber || $0 == ".") }) ?? s.endIndex
            let unit = String(s[s.startIndex..<unitEnd])
            s = s[unitEnd...]
            guard let scale = Self.units[unit] else {
                throw ParseError(
                    input: text,
                    reason: unit.isEmpty ? "missing unit (use h, m, s, ms)" : "unknown unit '\(unit)' (use h, m, s, ms)")
            }
            total += value * scale
        }
        guard total < Double(Int64.max) else { throw ParseError(input: text, reason: "duration too large") }
        return Int64(total.rounded()) * (negative ? -1 : 1)
    }

    /// The form nearly every manifest uses, digits and one of `h`, `m`, `s` (`2160h`), read from the bytes; nil for
    /// anything else, and for a result of 2⁵³ ns (104 days) or more, where the general parse's Double arithmetic
    /// could round differently. Reconciles read durations on every pass; the general parse goes through
    /// `trimmingCharacters` and Characters.
    static func wholeUnits(_ text: String) -> Int64? {
        let bytes = text.utf8
        guard bytes.count >= 2, bytes.count <= 17, let unit = bytes.last else { return nil }
        let scale: Int64
        switch unit {
        case UInt8(ascii: "h"): scale = 3_600_000_000_000
        case UInt8(ascii: "m"): scale = 60_000_000_000
        case UInt8(ascii: "s"): scale = 1_000_000_000
        default: return nil
        }
        var value: Int64 = 0
        for byte in bytes.dropLast() {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: scale)
        guard !overflow, product < 1 << 53 else { return nil }
        return product
    }

    private static let units: [String: Double] = [
        "ns": 1, "us": 1e3, "µs": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9,
    ]

    /// Formats like Go: `2160h0m0s`, `1m30s`, `500ms`.
    public var description: String {
        if nanoseconds == 0 { return "0s" }
        var n = nanoseconds.magnitude
        let sign = nanoseconds < 0 ? "-" : ""
        if n < 1_000_000_000 {
            if n % 1_000_000 == 0 { return "\(sign)\(n / 1_000_000)ms" }
            if n % 1_000 == 0 { return "\(sign)\(n / 1_000)µs" }
            return "\(sign)\(n)ns"
        }
        let h = n / 3_600_000_000_000; n %= 3_600_000_000_000
        let m = n / 60_000_000_000; n %= 60_000_000_000
        let secs = Double(n) / 1e9
        let secText = secs == secs.rounded() ? String(Int(secs)) : String(format: "%g", secs)
        if h > 0 { return "\(sign)\(h)h\(m)m\(secText)s" }
        if m > 0 { return "\(sign)\(m)m\(secText)s" }
        return "\(sign)\(secText)s"
    }

    public static func < (a: GoDuration, b: GoDuration) -> Bool { a.nanoseconds < b.nanoseconds }
    public static func + (a: GoDuration, b: GoDuration) -> GoDuration { GoDuration(nanoseconds: a.nanoseconds + b.nanoseconds) }
    public static func - (a: GoDuration, b: GoDuration) -> GoDuration { GoDuration(nanoseconds: a.nanoseconds - b.nanoseconds) }
    public static func / (a: GoDuration, b: Int64) -> GoDuration { GoDuration(nanoseconds: a.nanoseconds / b) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var input: String
        public var reason: String
        public var description: String { "invalid duration '\(input)': \(reason)" }
    }
}

extension Date {
    public static func + (date: Date, d: GoDuration) -> Date { date.addingTimeInterval(d.seconds) }
    public static func - (date: Date, d: GoDuration) -> Date { date.addingTimeInterval(-d.seconds) }
}
