import Foundation

/// The wait a 429 asks for, read so that no server answer can trap the client or make it spin.
public enum RetryAfterHeader {
    /// `Retry-After` as delay-seconds, the form the API server sends. `TimeInterval.init` would also take "nan" or
    /// "1e30", which trap when turned into a Duration; an HTTP-date or anything else counts as absent.
    public static func seconds(_ header: String?) -> TimeInterval? {
        header.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }.map { TimeInterval(max(0, $0)) }
    }

    /// A suggested wait (the header, the Status body's `retryAfterSeconds`, or a backoff), clamped to `0...limit`;
    /// anything not finite waits the limit.
    public static func boundedWait(_ seconds: TimeInterval, atMost limit: TimeInterval) -> TimeInterval {
        seconds.isFinite ? min(max(0, seconds), limit) : limit
    }
}
