import Foundation

/// Exponential backoff with full jitter bounds: attempt n waits between base·2ⁿ·(1−jitter) and base·2ⁿ, capped.
///
/// Jitter keeps many clients (or many certificates) that failed together from retrying in lockstep.
public struct Backoff: Sendable, Hashable {
    public var base: TimeInterval
    public var cap: TimeInterval
    /// Fraction of the delay that is randomised away (0 = none, 1 = full jitter).
    public var jitter: Double

    public init(base: TimeInterval, cap: TimeInterval, jitter: Double = 0.2) {
        self.base = base
        self.cap = cap
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The un-jittered delay for `attempt` (0-based).
    public func ceiling(attempt: Int) -> TimeInterval {
        let exponent = min(max(attempt, 0), 62)
        return min(cap, base * pow(2, Double(exponent)))
    }

    public func delay(attempt: Int) -> TimeInterval {
        var rng = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &rng)
    }

    public func delay(attempt: Int, using rng: inout some RandomNumberGenerator) -> TimeInterval {
        let ceiling = ceiling(attempt: attempt)
        guard jitter > 0 else { return ceiling }
        return ceiling * (1 - jitter * Double.random(in: 0..<1, using: &rng))
    }
}
