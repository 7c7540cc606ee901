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
    /// Revocation, for signers that can revoke (a CA publishes a CRL; ACME will call the CA's revokeCert).
    var revoker: (any CertificateRevoker)? { get }
}

extension CertificateSigner {
    var revoker: (any CertificateRevoker)? { nil }
}

/// A signer's revocation capability.
protocol CertificateRevoker: Sendable {
    /// Revokes `certificate` (idempotent: revoking a revoked certificate completes what a crash interrupted).
    func revoke(_ certificate: X509.Certificate, reason: CRLReason, now: Date) async throws
}
