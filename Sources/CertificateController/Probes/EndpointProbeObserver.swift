import KeywardAPI
import KubernetesClient

/// Told what each probe pass found. The endpoint metrics implement it, and it is the hook for notifications: a
/// `Served` transition (to False `StaleCertificate`, say, and back to True `Current`) arrives once, when the
/// condition's status or reason changes, after the status was written.
public protocol EndpointProbeObserver: Sendable {
    /// After every pass that probed: the Certificate as written (status.endpoints, the Served condition).
    func observe(_ certificate: Certificate) async
    /// The Served condition changed status or reason (`previous` nil: the first verdict).
    func servedChanged(_ certificate: Certificate, to served: Condition, from previous: Condition?) async
    /// The Certificate is gone or has no endpoints any more.
    func removed(namespace: String?, name: String) async
}

extension EndpointProbeObserver {
    public func observe(_ certificate: Certificate) async {}
    public func servedChanged(_ certificate: Certificate, to served: Condition, from previous: Condition?) async {}
    public func removed(namespace: String?, name: String) async {}
}
