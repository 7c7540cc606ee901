import Foundation
import KeywardCore

/// How hard one notification is pushed to one target before it becomes a dead letter.
public struct DeliveryPolicy: Sendable, Hashable {
    /// Attempts in all (the first included).
    public var attempts: Int
    /// Waits between attempts: 1 s, 2 s, 4 s, 8 s … capped.
    public var backoff: Backoff
    /// Per attempt.
    public var timeout: Duration

    public init(attempts: Int = 5, backoff: Backoff = Backoff(base: 1, cap: 30, jitter: 0.2), timeout: Duration = .seconds(10)) {
        self.attempts = min(max(1, attempts), 20)
        self.backoff = backoff
        self.timeout = timeout
    }
}
