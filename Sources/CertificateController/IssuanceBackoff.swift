import Foundation

/// How long a Certificate waits after failed issuances before trying again.
///
/// 1 minute after the first failure, doubling per consecutive failure (2, 4, 8, … minutes), capped at 1 hour.
/// cert-manager starts at 1 hour and grows to 32 hours; a certificate service that is down for a few minutes should
/// not leave a certificate unissued for a day. Deterministic (no jitter) because the next retry time is shown in
/// status and must not move between reconciles; certificates that fail together still spread out because the
/// work queue's token bucket paces them.
public struct IssuanceBackoff: Sendable, Hashable {
    public var base: TimeInterval
    public var cap: TimeInterval

    public init(base: TimeInterval = 60, cap: TimeInterval = 3600) {
        self.base = base
        self.cap = cap
    }

    /// Delay after `failures` consecutive failures (1 = the first failure).
    public func delay(afterFailures failures: Int) -> TimeInterval {
        guard failures > 0 else { return 0 }
        return min(cap, base * pow(2, Double(min(failures - 1, 40))))
    }
}
