import Foundation
import KeywardCore

/// When and how long the client retries. Idempotent requests (GET, PUT, DELETE) retry on transport errors,
/// 429 and 5xx; non-idempotent ones (POST, PATCH) only when the server cannot have acted (429, connect/DNS
/// failures), so a retry never applies a patch or creates an object twice.
public struct RetryPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    public var backoff: Backoff
    /// Upper bound on an honoured Retry-After, so a hostile or broken server cannot park a worker for hours.
    public var maxRetryAfter: TimeInterval

    public init(maxAttempts: Int = 5, backoff: Backoff = Backoff(base: 0.2, cap: 5, jitter: 0.5),
                maxRetryAfter: TimeInterval = 60) {
        self.maxAttempts = max(1, maxAttempts)
        self.backoff = backoff
        self.maxRetryAfter = maxRetryAfter
    }

    public static let `default` = RetryPolicy()
    public static let none = RetryPolicy(maxAttempts: 1)
}

/// What the client reports about each request, for metrics.
public struct RequestRecord: Sendable {
    public var verb: String
    public var resource: String
    /// HTTP status, or 0 for a transport failure.
    public var code: Int
    public var duration: TimeInterval
}
