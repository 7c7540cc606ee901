import Crypto
import Foundation
import KeywardCore
import KubernetesClient
import KeywardPKI
import KubernetesResources
import X509

/// A CA certificate and key as a kubernetes.io/tls Secret holds them (`tls.crt` with its chain, `tls.key`, optional
/// `ca.crt`), checked the same way wherever a CA Secret is used: by `ca.secretRef`, by a CA Certificate's leaves,
/// and by the Issuer and ClusterIssuer controller.
enum CAKeyPair {
    /// Why a Secret's CA pair cannot sign; the message names the Secret and never quotes key bytes.
    struct Problem: Error, Sendable {
        var reason: String
        var message: String
    }

    /// The signer in `secret`, or why there is none. `display` names the Secret in messages.
    static func read(_ secret: Secret, display: String, requireTLSType: Bool = true) -> Result<KeywardPKI.Issuer, Problem> {
        if requireTLSType, secret.type != Secret.tlsType {
            return .failure(Problem(reason: "InvalidKeyPair",
                                    message: "\(display) has type \(secret.type), expected \(Secret.tlsType)"))
        }
        guard let certificatePEM = secret.string(CertificateSecret.certificateKey),
            let keyPEM = secret.string(CertificateSecret.privateKeyKey)
        else {
            return .failure(Problem(reason: "InvalidKeyPair",
                                    message: "\(display) lacks \(CertificateSecret.certificateKey) or \(CertificateSecret.privateKeyKey)"))
        }
        let caPEM = secret.string(CertificateSecret.caKey)
        let digest = Self.digest(certificatePEM, keyPEM, caPEM)
        if let issuer = parsed[digest] { return .success(issuer) }
        do {
            let issuer = try KeywardPKI.Issuer(certificatePEM: certificatePEM, privateKeyPEM: keyPEM, caPEM: caPEM)
            parsed.insert(issuer, for: digest)
            return .success(issuer)
        } catch {
            // The error describes the CA material, never the key bytes.
            return .failure(Problem(reason: "InvalidKeyPair", message: "\(display) is unusable: \(error)"))
        }
    }

    /// CA pairs already parsed, by a digest of their PEM text: every leaf of a CA reads the same Secret, and parsing
    /// the certificate and key again for each was a measurable share of issuance. Keyed by content, so a changed
    /// Secret is parsed afresh.
    private static let parsed = BoundedCache<[UInt8], KeywardPKI.Issuer>(limit: 64)

    private static func digest(_ certificatePEM: String, _ keyPEM: String, _ caPEM: String?) -> [UInt8] {
        var hasher = SHA256()
        for part in [certificatePEM, keyPEM, caPEM ?? ""] {
            // Length-prefixed, so no two different triples hash the same bytes.
            var part = part
            part.withUTF8 { bytes in
                withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { hasher.update(bufferPointer: $0) }
                hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
            }
        }
        return Array(hasher.finalize())
    }

    /// Whether `ca` can sign at `now` (an expired or not yet valid CA signs nothing clients accept).
    static func validityProblem(_ ca: X509.Certificate, display: String, now: Date) -> Problem? {
        if ca.notValidAfter <= now {
            return Problem(reason: "InvalidKeyPair", message: "\(display): the CA certificate expired at \(KubeTime.format(ca.notValidAfter))")
        }
        if ca.notValidBefore > now {
            return Problem(reason: "InvalidKeyPair",
                           message: "\(display): the CA certificate is not valid before \(KubeTime.format(ca.notValidBefore))")
        }
        return nil
    }
}
