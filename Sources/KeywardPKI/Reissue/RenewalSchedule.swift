import Crypto
import Foundation

/// When to renew a certificate.
///
/// Renewal happens `renewBefore` ahead of expiry, pulled earlier by a jitter so that many certificates issued
/// together (a fresh cluster, a CA rotation) do not all renew in the same instant. The jitter is derived from a
/// stable seed (the resource's UID) so every reconcile of the same object computes the same time.
public enum RenewalSchedule {
    /// Jitter is at most this fraction of `renewBefore` (10%), and only ever earlier: renewal never happens later
    /// than `notAfter − renewBefore`, and never earlier than `notAfter − 1.1 × renewBefore`.
    public static let maximumJitterFraction = 0.1

    /// cert-manager's default: renew when two thirds of the lifetime have passed.
    public static func defaultRenewBefore(duration: TimeInterval) -> TimeInterval {
        duration / 3
    }

    /// `notAfter − renewBefore − jitter`, with jitter in `[0, maximumJitterFraction × renewBefore)`.
    ///
    /// A missing, non-positive, or too-large `renewBefore` (≥ the certificate's lifetime, which would mean renewing
    /// immediately and forever) falls back to one third of the lifetime, as cert-manager does.
    public static func renewalTime(
        notBefore: Date, notAfter: Date, renewBefore: TimeInterval?, jitterSeed: String
    ) -> Date {
        let lifetime = notAfter.timeIntervalSince(notBefore)
        var effective = renewBefore ?? defaultRenewBefore(duration: lifetime)
        if effective <= 0 || effective >= lifetime { effective = defaultRenewBefore(duration: lifetime) }
        let jitter = jitterFraction(seed: jitterSeed) * maximumJitterFraction * effective
        return notAfter.addingTimeInterval(-(effective + jitter))
    }

    /// A value in [0, 1) from the first 8 bytes of SHA-256(seed): uniform across seeds, fixed per seed.
    static func jitterFraction(seed: String) -> Double {
        let digest = Array(SHA256.hash(data: Array(seed.utf8)))
        let value = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(value >> 11) / Double(UInt64(1) << 53)
    }
}
