import KeywardAPI
import KubernetesClient
import Notifications

/// Which alert classes a Certificate's status says are active, with the status message each carries. A pure
/// reading of status: the reconciler decides, this only observes, so no reconcile path changes for notifications.
public enum CertificateAlerts {
    public static let classes: Set<AlertClass> = [.renewalSLAWarning, .renewalSLABreach, .issuanceFailing, .revoked, .endpointStale]

    /// Ready=False reasons that mean Keyward cannot issue for this Certificate (not a normal wait or a revocation).
    static let failingReasons: Set<String> = [
        Certificate.Reason.issuanceFailed, Certificate.Reason.issuerNotReady, Certificate.Reason.invalidSpec,
        Certificate.Reason.secretNotOwned, Certificate.Reason.held, Certificate.Reason.filesConflict,
        Certificate.Reason.filesRefused,
    ]

    public static func active(_ certificate: Certificate) -> [AlertClass: String] {
        guard let status = certificate.status else { return [:] }
        var active: [AlertClass: String] = [:]
        if let sla = status.conditions[type: Certificate.ConditionType.renewalSLA], sla.status == .false {
            if sla.reason == Certificate.Reason.slaAtRisk { active[.renewalSLAWarning] = sla.message }
            if sla.reason == Certificate.Reason.slaBreached { active[.renewalSLABreach] = sla.message }
        }
        let ready = status.conditions[type: Certificate.ConditionType.ready]
        let issuing = status.conditions[type: Certificate.ConditionType.issuing]
        if (status.failedIssuanceAttempts ?? 0) > 0 {
            active[.issuanceFailing] = status.lastError ?? issuing?.message ?? "issuance failed"
        } else if let ready, ready.status == .false, failingReasons.contains(ready.reason) {
            active[.issuanceFailing] = ready.message
        } else if let issuing, issuing.status == .true, failingReasons.contains(issuing.reason) {
            active[.issuanceFailing] = issuing.message
        }
        if status.state == .revoked || ready?.reason == Certificate.Reason.revoked {
            active[.revoked] = ready?.message ?? "revoked"
        }
        // The endpoint probes' verdict: an endpoint still serves an older Keyward serial (the consumer did not reload).
        if let served = status.conditions[type: Certificate.ConditionType.served], served.status == .false,
            served.reason == Certificate.Reason.servedStale
        {
            active[.endpointStale] = served.message
        }
        return active
    }
}
