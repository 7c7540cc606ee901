import Foundation
import KeywardCore
import Synchronization

/// A client-side limit on API requests (`keyward controller --qps/--burst`, client-go's QPS and Burst): every
/// request, retries and watch opens included, takes a token from one bucket shared by the whole client.
public struct RequestRateLimit: Sendable, Hashable {
    /// Requests per second on average.
    public var qps: Double
    /// Requests allowed at once above the average (the bucket's size).
    public var burst: Int

    public init(qps: Double, burst: Int) {
        self.qps = qps
        self.burst = burst
    }
}

/// The bucket behind a ``RequestRateLimit``. Callers wait (on the injected clock) instead of being refused, in the
/// order they asked.
final class RequestThrottle: Sendable {
    private let bucket: Mutex<TokenBucket>
    private let clock: any WallClock
    private let delayed = Atomic<Int>(0)

    init(_ limit: RequestRateLimit, clock: any WallClock) {
        bucket = Mutex(TokenBucket(rate: limit.qps, burst: limit.burst))
        self.clock = clock
    }

    /// Requests that had to wait for a token so far.
    var delayedRequests: Int { delayed.load(ordering: .relaxed) }

    func acquire() async throws {
        let now = clock.now
        let wait = bucket.withLock { $0.reserve(at: now) }
        guard wait > 0 else { return }
        delayed.add(1, ordering: .relaxed)
        try await clock.sleep(for: .milliseconds(Int64((wait * 1000).rounded(.up))))
    }
}
