extension Certificate.ConditionType {
    /// Whether the certificate will be (or was) renewed by its `status.renewalTime`: True `OnTrack`, False `AtRisk`
    /// (the SLA warning) or `Breached`. Absent until a certificate has been issued.
    public static let renewalSLA = "RenewalSLA"
}

extension Certificate.Reason {
    /// RenewalSLA=True: not due, or due and in its steady state.
    public static let slaOnTrack = "OnTrack"
    /// RenewalSLA=False, the warning: within `--renewal-sla-warning` of renewalTime and Keyward cannot issue right now,
    /// or past renewalTime with a request still pending at the signer (for at most the same window).
    public static let slaAtRisk = "AtRisk"
    /// RenewalSLA=False: past renewalTime and the stored certificate is still the one it belongs to.
    public static let slaBreached = "Breached"

    /// Event reasons on a RenewalSLA transition.
    public static let renewalSLAWarning = "RenewalSLAWarning"
    public static let renewalSLABreach = "RenewalSLABreach"
    public static let renewalSLARecovered = "RenewalSLARecovered"
}
