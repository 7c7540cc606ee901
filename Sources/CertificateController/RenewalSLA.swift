import Foundation
import KeywardAPI
import KubernetesClient
import KubernetesResources

/// The renewal SLA: Keyward promises a renewed certificate by `status.renewalTime`.
///
/// - Breached: renewalTime has passed and status still describes the certificate it belongs to (a successful
///   renewal replaces renewalTime, so a healthy pass at renewalTime never breaches).
/// - At risk (the warning): renewalTime is less than ``warning`` away and Keyward is not in its steady state for this
///   Certificate (Ready is not True, Issuing is not False, or issuance attempts have failed), so it cannot renew
///   on time as things stand; or renewalTime has passed while a request is pending at the signer (an ACME order
///   being validated), for at most ``warning`` past renewalTime.
/// - On track: everything else. A healthy Certificate passes from on track to renewed without a warning.
///
/// Pure over status and a time, so tests move a manual clock instead of waiting.
public struct RenewalSLA: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, CaseIterable {
        case onTrack = "OnTrack"
        case atRisk = "AtRisk"
        case breached = "Breached"
    }

    /// 24 h: a day to fix an issuer before a due renewal, and the grace an asynchronous renewal gets.
    public static let defaultWarning: TimeInterval = 24 * 3600

    /// `--renewal-sla-warning`.
    public var warning: TimeInterval

    public init(warning: TimeInterval = RenewalSLA.defaultWarning) { self.warning = max(0, warning) }

    /// The state for this status at `now`; nil before the first issuance (no renewalTime to hold it to).
    public func state(of status: Certificate.Status, now: Date) -> State? {
        guard let renewalTime = status.renewalTime else { return nil }
        if now >= renewalTime {
            let pendingGrace = status.pendingRequest != nil && now < renewalTime.addingTimeInterval(warning)
            return pendingGrace ? .atRisk : .breached
        }
        let steady = status.conditions[type: Certificate.ConditionType.ready]?.status == .true
            && status.conditions[type: Certificate.ConditionType.issuing]?.status != .true
            && (status.failedIssuanceAttempts ?? 0) == 0
        return now >= renewalTime.addingTimeInterval(-warning) && !steady ? .atRisk : .onTrack
    }

    /// Sets the RenewalSLA condition for the status's current state; returns the Event a change calls for (nil for
    /// none: no certificate yet, no change, or the first state being on track).
    public func apply(to status: inout Certificate.Status, now: Date, observedGeneration: Int64?)
        -> (type: Event.EventType, reason: String, message: String)?
    {
        guard let state = state(of: status, now: now), let renewalTime = status.renewalTime else { return nil }
        let previous = status.conditions[type: Certificate.ConditionType.renewalSLA]?.reason
        let due = KubeTime.format(renewalTime)
        let message: String
        switch state {
        case .onTrack: message = "renewal at \(due)"
        case .atRisk where now >= renewalTime: message = "renewal was due at \(due) and is still pending at the issuer"
        case .atRisk: message = "renewal is due at \(due) and cannot be issued right now"
        case .breached: message = "renewal was due at \(due) and the certificate has not been renewed"
        }
        status.conditions.set(Condition(
            type: Certificate.ConditionType.renewalSLA, status: state == .onTrack ? .true : .false, reason: state.rawValue,
            message: message, observedGeneration: observedGeneration,
            lastTransitionTime: Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))))
        guard previous != state.rawValue else { return nil }
        switch state {
        case .onTrack:
            return previous == nil ? nil : (.normal, Certificate.Reason.renewalSLARecovered, "renewal SLA met again: \(message)")
        case .atRisk: return (.warning, Certificate.Reason.renewalSLAWarning, message)
        case .breached: return (.warning, Certificate.Reason.renewalSLABreach, message)
        }
    }
}
