import Foundation
import KeywardAPI
import KubernetesClient

/// The `Served` condition from the endpoints' last probes: True `Current` when every endpoint serves the current
/// certificate, else False with the worst endpoint's reason (stale before unknown before TLS error before
/// unreachable: the first is what a renewal that did not land looks like). Nil until every endpoint was probed.
enum ServedCondition {
    static let severity = [Certificate.Reason.servedStale, Certificate.Reason.servedUnknown,
                           Certificate.Reason.servedTLSError, Certificate.Reason.servedUnreachable]

    static func evaluate(_ entries: [Certificate.EndpointStatus], currentSerial: String)
        -> (status: Condition.Status, reason: String, message: String)?
    {
        guard !entries.isEmpty, entries.allSatisfy({ $0.lastChecked != nil && $0.reason != nil }) else { return nil }
        if entries.allSatisfy(\.matches) {
            let count = entries.count == 1 ? "the endpoint serves" : "all \(entries.count) endpoints serve"
            return (.true, Certificate.Reason.servedCurrent, "\(count) the current certificate (serial \(currentSerial))")
        }
        let failing = entries.filter { !$0.matches }
        let worst = severity.first { reason in failing.contains { $0.reason == reason } } ?? Certificate.Reason.servedUnknown
        let details = failing.map { entry -> String in
            let name = entry.serverName.map { " (\($0))" } ?? ""
            switch entry.reason {
            case Certificate.Reason.servedStale?:
                return "\(entry.address)\(name) serves the older serial \(entry.servedSerial ?? "?"): not reloaded"
            case Certificate.Reason.servedUnknown?:
                return "\(entry.address)\(name) serves serial \(entry.servedSerial ?? "?"), which Keyward did not issue"
            default:
                return "\(entry.address)\(name): \(entry.error ?? "probe failed")"
            }
        }
        return (.false, worst, details.joined(separator: "; ") + "; current serial \(currentSerial)")
    }
}
