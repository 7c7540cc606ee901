import Foundation
import KeywardAPI

/// When an endpoint is probed next: at once when it was never probed or the certificate was renewed since; then,
/// while it does not serve the current certificate, a bounded number of prompt retries with a doubling delay (so
/// "Served within N seconds of the renewal" is observable, and a consumer that never reloads costs a few
/// handshakes, not a storm); otherwise every `interval`. Pure: the time comes from the caller's clock.
public struct EndpointProbeSchedule: Sendable, Hashable {
    /// Prompt retries after a probe that did not find the current certificate.
    public var promptRetries: Int
    /// The first retry's delay; each further one doubles it (2, 4, 8 … s by default).
    public var promptRetryDelay: TimeInterval

    public init(promptRetries: Int = 6, promptRetryDelay: TimeInterval = 2) {
        self.promptRetries = max(0, min(promptRetries, 20))
        self.promptRetryDelay = max(0.001, promptRetryDelay)
    }

    /// When `entry` is due for `endpoint`, given the serial status names current.
    public func nextProbe(_ entry: Certificate.EndpointStatus?, endpoint: Certificate.Endpoint, currentSerial: String) -> Date {
        guard let entry, let last = entry.lastChecked, entry.expectedSerial == currentSerial else { return .distantPast }
        let failed = entry.failedChecks ?? 0
        if !entry.matches, failed >= 1, failed <= promptRetries {
            return last.addingTimeInterval(promptRetryDelay * pow(2, Double(failed - 1)))
        }
        return last.addingTimeInterval(endpoint.effectiveInterval)
    }
}
