/// Reads the chain an endpoint serves. The controller and `keyward probe` use ``TLSProber``; the protocol lets a
/// caller bound or wrap it (concurrency limits, metrics) without knowing libcurl.
public protocol EndpointProber: Sendable {
    func probe(_ target: ProbeTarget) async -> Result<ServedChain, ProbeFailure>
}
