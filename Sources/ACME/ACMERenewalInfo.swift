import Foundation

/// A renewalInfo response (RFC 9773 §4.2): the window the CA suggests renewing in.
public struct ACMERenewalInfo: Sendable, Hashable {
    public var windowStart: Date
    public var windowEnd: Date
    public var explanationURL: URL?
    /// When to ask again (the response's Retry-After); the caller fetches no earlier.
    public var retryAfter: Date?

    public init(windowStart: Date, windowEnd: Date, explanationURL: URL? = nil, retryAfter: Date? = nil) {
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.explanationURL = explanationURL
        self.retryAfter = retryAfter
    }

    struct Wire: Decodable {
        struct Window: Decodable {
            var start: Date
            var end: Date
        }
        var suggestedWindow: Window
        var explanationURL: URL?

        enum CodingKeys: String, CodingKey { case suggestedWindow, explanationURL }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            suggestedWindow = try c.decode(Window.self, forKey: .suggestedWindow)
            explanationURL = try? c.decodeIfPresent(URL.self, forKey: .explanationURL)
        }
    }

    /// RFC 9773 §4.2: a uniformly random moment inside the window; one already past means "renew now" (returned as
    /// `now`). Pure: the caller injects the clock reading and the random source.
    public func renewalTime(now: Date, using generator: inout some RandomNumberGenerator) -> Date {
        let span = windowEnd.timeIntervalSince(windowStart)
        let chosen = span > 0 ? windowStart.addingTimeInterval(Double.random(in: 0...span, using: &generator)) : windowStart
        return max(chosen, now)
    }
}
