import Foundation
import KeywardAPI
import KeywardPKI
import KubernetesResources
import X509

/// A CA in this process: its certificate and key from a Secret (a CA Certificate's own, a `ca.secretRef`, or the
/// Secret an Issuer or ClusterIssuer names). Owns what only a CA has: the CA Secret it was read from and the CRL
/// it publishes (``CRLPublisher``), which is how it revokes.
struct CASigner: CertificateSigner, CertificateRevoker {
    /// The CA certificate and key.
    var issuer: KeywardPKI.Issuer
    var displayName: String
    /// The name the CA's CRL ConfigMap and state Secret are derived from.
    var crlOwnerName: String
    /// Where the CRL state lives: next to the CA Secret (the Certificate's namespace for the inline forms and an
    /// Issuer, the cluster resource namespace for a ClusterIssuer).
    var crlNamespace: String?
    /// The CA's own Certificate when it is `ca.certificateRef` or the CA itself (its Secret is Keyward's to update).
    var caCertificate: KeywardAPI.Certificate?
    var caSecret: Secret?
    let crls: CRLPublisher

    var certificate: X509.Certificate? { issuer.certificate }
    var expectedIssuer: X509.Certificate? { issuer.certificate }
    var revoker: (any CertificateRevoker)? { self }

    func sign(_ request: SigningRequest) async throws -> SigningOutcome {
        try await LocalSigning.sign(request, with: issuer, displayName: displayName)
    }

    func mayRevoke(_ certificate: X509.Certificate) -> Bool { issuer.signed(certificate) }

    func revoke(_ certificate: X509.Certificate, reason: CRLReason, now: Date) async throws {
        try await crls.revoke(certificate, reason: reason, issuer: self, namespace: crlNamespace, now: now)
    }

    /// Re-signs the CRL when due and repairs its published copy; returns when it next needs re-signing.
    func ensureCRLFresh(now: Date) async throws -> Date? {
        try await crls.ensureFresh(issuer: self, namespace: crlNamespace, now: now)
    }
}
