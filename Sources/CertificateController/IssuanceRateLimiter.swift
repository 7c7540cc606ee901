import ControllerRuntime
import Foundation
import KeywardCore

/// Caps new signatures per second across all certificates (`--max-issuance-rate`), so a renewal storm of
/// thousands of certificates is spread out instead of flooding the API server or an upstream CA.
public actor IssuanceRateLimiter {
    private var bucket: TokenBucket
    private let clock: any WallClock

    /// `perSecond` signatures on average, with bursts of at most `burst`.
    public init(perSecond: Double, burst: Int = 1, clock: any WallClock = SystemClock()) {
        self.bucket = TokenBucket(rate: perSecond, burst: burst)
        self.clock = clock
    }

    /// Waits for the next issuance slot. Slots are reserved in call order, so waiting callers are served FIFO.
    public func acquire() async throws {
        let wait = bucket.reserve(at: clock.now)
        if wait > 0 { try await clock.sleep(for: .seconds(wait)) }
    }
}

/// What the reconciler reports for metrics; the executable plugs Prometheus in, tests may count.
public protocol CertificateObserver: Sendable {
    func observe(_ certificate: Certificate) async
    func issued(_ certificate: Certificate, renewal: Bool) async
    func failed(_ certificate: Certificate, reason: String) async
    func revoked(_ certificate: Certificate) async
    func removed(namespace: String?, name: String) async
}

import KeywardAPI
