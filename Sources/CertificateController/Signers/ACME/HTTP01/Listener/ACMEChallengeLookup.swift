/// Where the challenge listener finds the key authorization for a token: the Certificates' pending ACME orders in
/// the informer cache (every replica), or the challenges a standalone run is presenting. Never an API read.
public protocol ACMEChallengeLookup: Sendable {
    /// The HTTP-01 response body for `token`, or nil when no pending challenge has it.
    func keyAuthorization(forToken token: String) async -> String?
}
