import ACME
import Crypto
import Foundation
import KeywardPKI
import X509

/// ACME Renewal Information (RFC 9773): the CA's suggested window for a certificate, and a moment inside it that is
/// uniformly distributed over Certificates yet stable for one (derived from its uid and the window, so every pass
/// and replica picks the same moment and a new window picks a new one). Answers are cached until the server's
/// Retry-After; a server without renewalInfo, or one that fails, suggests nothing (renewBefore applies).
struct ACMERenewalAdvisor: RenewalAdvisor {
    let client: ACMEClient
    let clients: ACMEClients
    let seed: String
    /// How long an answer without Retry-After is kept, and the bounds on a server's Retry-After.
    static let defaultRecheck: TimeInterval = 6 * 3600
    static let recheckBounds: ClosedRange<TimeInterval> = 60...(24 * 3600)
    static let failureRecheck: TimeInterval = 600

    func advice(for leaf: X509.Certificate, now: Date) async -> RenewalAdvice? {
        guard let certID = try? ARICertID(certificateDER: PEMBundle.derEncoded(leaf)) else { return nil }
        let info: ACMERenewalInfo?
        let until: Date
        if let cached = await clients.cachedRenewalInfo(certID.string, from: client, now: now) {
            (info, until) = cached
        } else {
            do {
                info = try await client.renewalInfo(for: certID)
                let wanted = info?.retryAfter.map { $0.timeIntervalSince(now) } ?? Self.defaultRecheck
                until = now.addingTimeInterval(min(max(wanted, Self.recheckBounds.lowerBound), Self.recheckBounds.upperBound))
            } catch {
                info = nil
                until = now.addingTimeInterval(Self.failureRecheck)
            }
            await clients.storeRenewalInfo(info, certID: certID.string, from: client, until: until, now: now)
        }
        guard let info else { return nil }
        return RenewalAdvice(renewalTime: Self.moment(in: info, seed: seed, now: now), recheckAfter: until)
    }

    /// A point of [windowStart, windowEnd] fixed by `seed` and the window; a window already over means now.
    static func moment(in info: ACMERenewalInfo, seed: String, now: Date) -> Date {
        guard info.windowEnd > now else { return now }
        let start = info.windowStart.timeIntervalSince1970
        let end = max(start, info.windowEnd.timeIntervalSince1970)
        let digest = SHA256.hash(data: Data("\(seed)|\(start)|\(end)".utf8))
        let value = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let fraction = Double(value >> 11) / Double(UInt64(1) << 53)
        return Date(timeIntervalSince1970: (start + (end - start) * fraction).rounded(.down))
    }
}
