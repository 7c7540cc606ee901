import Foundation
import KeywardCore

/// How long a key waits before it may be retried. Mirrors client-go's default controller rate limiter:
/// the maximum of a per-item exponential backoff and an overall token bucket.
public struct RateLimiterConfiguration: Sendable, Hashable {
    /// First per-item retry delay (5 ms), doubling on each consecutive failure up to `maxDelay` (1000 s).
    public var baseDelay: TimeInterval = 0.005
    public var maxDelay: TimeInterval = 1000
    /// Overall retry budget: `qps` tokens per second, bursting to `burst`.
    public var qps: Double = 10
    public var burst: Int = 100

    public init(baseDelay: TimeInterval = 0.005, maxDelay: TimeInterval = 1000, qps: Double = 10, burst: Int = 100) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.qps = qps
        self.burst = burst
    }
}

/// Per-key exponential backoff combined with an overall token bucket.
struct ItemRateLimiter<Key: Hashable & Sendable>: Sendable {
    let configuration: RateLimiterConfiguration
    private var failures: [Key: Int] = [:]
    private var bucket: TokenBucket

    init(configuration: RateLimiterConfiguration) {
        self.configuration = configuration
        self.bucket = TokenBucket(rate: configuration.qps, burst: configuration.burst)
    }

    mutating func when(_ key: Key, now: Date) -> TimeInterval {
        let count = failures[key, default: 0]
        failures[key] = count + 1
        let exponential = min(configuration.maxDelay, configuration.baseDelay * pow(2, Double(min(count, 60))))
        return max(exponential, bucket.reserve(at: now))
    }

    mutating func forget(_ key: Key) { failures[key] = nil }
    func retries(_ key: Key) -> Int { failures[key, default: 0] }
}
