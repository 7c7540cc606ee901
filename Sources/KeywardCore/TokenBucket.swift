import Foundation

/// A token bucket on an injected timeline: `reserve(at:)` returns how long the caller must wait for its token.
/// Reservations are never refused, only delayed, so a burst of failures is spread out instead of dropped.
/// A wall clock stepped back adds nothing and takes nothing: time that ran backwards is not a debt to wait out.
public struct TokenBucket: Sendable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var last: Date?

    public init(rate: Double, burst: Int) {
        self.rate = max(rate, 0.000_001)
        self.burst = Double(max(burst, 1))
        self.tokens = Double(max(burst, 1))
    }

    public mutating func reserve(at now: Date) -> TimeInterval {
        refill(at: now)
        tokens -= 1
        return tokens >= 0 ? 0 : -tokens / rate
    }

    /// Takes a token if one is there now; never goes into debt (for shedding rather than delaying).
    public mutating func take(at now: Date) -> Bool {
        refill(at: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    private mutating func refill(at now: Date) {
        if let last { tokens = min(burst, tokens + max(0, now.timeIntervalSince(last)) * rate) }
        last = now
    }
}
