import KeywardCore

/// A duration setting as the user wrote it (`2160h`, `1h30m`), parsed on demand.
///
/// Kept as text so an unparseable value reaches `validate()` (and becomes InvalidSpec naming the field) instead of
/// failing decoding, and so it encodes back exactly as written.
public struct DurationString: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    /// Go's formatting of `duration` (`720h0m0s`).
    public init(_ duration: GoDuration) { self.rawValue = duration.description }

    /// The parsed duration, or nil when the text is not a Go duration.
    public var duration: GoDuration? { try? GoDuration(parsing: rawValue) }

    public var description: String { rawValue }

    /// Why the text is not a usable positive duration, or nil.
    func problem(minimum: GoDuration? = nil, maximum: GoDuration? = nil) -> String? {
        let parsed: GoDuration
        do { parsed = try GoDuration(parsing: rawValue) } catch {
            return "\"\(rawValue)\" is not a duration (\(error.reason)); use Go syntax such as 720h, 90m or 30s"
        }
        guard parsed.nanoseconds > 0 else { return "must be greater than zero" }
        if let minimum, parsed < minimum { return "must be at least \(Self.compact(minimum))" }
        if let maximum, parsed > maximum { return "must be at most \(Self.compact(maximum))" }
        return nil
    }

    /// `1h`, `5m`, `10s` rather than Go's `1h0m0s`, for messages.
    static func compact(_ d: GoDuration) -> String {
        let n = d.nanoseconds
        if n % 3_600_000_000_000 == 0 { return "\(n / 3_600_000_000_000)h" }
        if n % 60_000_000_000 == 0 { return "\(n / 60_000_000_000)m" }
        if n % 1_000_000_000 == 0 { return "\(n / 1_000_000_000)s" }
        return d.description
    }
}
