import Foundation
import KeywardPKI
import X509

/// Signs the certificates of Certificates: one conformance per issuer kind (self-signed, an in-process CA; ACME or
/// an external CA next). The Certificate reconciler builds the request from the spec, asks, and stores what comes
/// back; it never looks at what kind of signer answered. ``IssuerResolver/signer(for:context:)`` is the one place
/// that decides which signer an issuer kind gets.
protocol CertificateSigner: Sendable {
    /// How status (`issuerName`), Events and the Secret's issuer annotation name the issuer:
    /// `selfSigned`, `Certificate/NAME`, `Secret/NAME`, `Issuer/NAME` or `ClusterIssuer/NAME`.
    var displayName: String { get }
    /// The CA certificate issued certificates must chain to: a stored certificate from another CA is re-issued.
    /// nil means each certificate signs itself (a stored certificate that does not is re-issued), so a remote
    /// signer names the CA it last saw.
    var expectedIssuer: X509.Certificate? { get }
    /// Signs, or says it is still working on it, or why it cannot. Throws only for infrastructure errors
    /// (API conflicts, a store that is down), which the work queue retries.
    func sign(_ request: SigningRequest) async throws -> SigningOutcome
    /// Revocation, for signers that can revoke (a CA publishes a CRL; ACME calls the CA's revokeCert).
    var revoker: (any CertificateRevoker)? { get }
    /// A CA that suggests when to renew (ACME Renewal Information): consulted for the stored certificate, its time
    /// wins when earlier than renewBefore's.
    var renewalAdvisor: (any RenewalAdvisor)? { get }
    /// Whether a difference between spec and stored certificate is one this signer cannot change (an ACME CA decides
    /// the key usages), so it must not cause a re-issue (which would repeat forever).
    func ignoresReason(_ reason: ReissueReason) -> Bool
    /// A pending request this signer made is dropped by the reconciler (spec changed, certificate matches again):
    /// release what it holds outside Keyward's own objects (ACME challenge routes and records). Best effort.
    func abandon(state: [String: String], requester: SigningRequest.Requester, now: Date) async
}

extension CertificateSigner {
    var revoker: (any CertificateRevoker)? { nil }
    var renewalAdvisor: (any RenewalAdvisor)? { nil }
    func ignoresReason(_ reason: ReissueReason) -> Bool { false }
    func abandon(state: [String: String], requester: SigningRequest.Requester, now: Date) async {}
}

/// A signer's revocation capability.
protocol CertificateRevoker: Sendable {
    /// Revokes `certificate` (idempotent: revoking a revoked certificate completes what a crash interrupted).
    func revoke(_ certificate: X509.Certificate, reason: CRLReason, now: Date) async throws
    /// Whether `certificate` is this revoker's to revoke. A tenant can put any certificate in their Secret, someone
    /// else's included; a CA's CRL must list only what the CA signed.
    func mayRevoke(_ certificate: X509.Certificate) -> Bool
}

extension CertificateRevoker {
    /// By default the authority decides (an ACME CA refuses to revoke what the account may not revoke).
    func mayRevoke(_ certificate: X509.Certificate) -> Bool { true }
}

/// A signer's renewal-time capability: the CA's own suggestion for one certificate.
protocol RenewalAdvisor: Sendable {
    /// When to renew `leaf` according to the CA, or nil when it suggests nothing (no ARI, not reachable).
    func advice(for leaf: X509.Certificate, now: Date) async -> RenewalAdvice?
}

/// A moment inside the CA's suggested renewal window, and when to ask the CA again (its Retry-After).
struct RenewalAdvice: Sendable, Hashable {
    var renewalTime: Date
    var recheckAfter: Date
}
