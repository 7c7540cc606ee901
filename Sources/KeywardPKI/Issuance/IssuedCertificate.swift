import X509

/// A freshly signed certificate with everything needed to serve and trust it.
public struct IssuedCertificate: Sendable, Hashable {
    public let certificate: Certificate
    /// Intermediates from the issuing CA upwards, excluding the leaf and the root.
    public let chain: [Certificate]
    /// The trust anchor: the self-signed root at the top, or the certificate itself when self-signed. If the issuer
    /// was configured without its root, this is the topmost certificate known.
    public let caCertificate: Certificate

    /// The leaf's serial number in lower-case hex, as ``CertificateInfo/serialHex`` gives it.
    public var serialHex: String { CertificateInfo.serialHex(certificate.serialNumber) }

    public init(certificate: Certificate, chain: [Certificate], caCertificate: Certificate) {
        self.certificate = certificate
        self.chain = chain
        self.caCertificate = caCertificate
    }

    public var certificatePEM: String { PEMBundle.pemEncoded(certificate) }
    /// The intermediates only; "" when the issuer is a root.
    public var chainPEM: String { PEMBundle.pemEncoded(chain) }
    /// Leaf then intermediates: what a TLS server presents (`tls.crt`).
    public var fullchainPEM: String { PEMBundle.pemEncoded([certificate] + chain) }
    /// The root (`ca.crt`).
    public var caPEM: String { PEMBundle.pemEncoded(caCertificate) }
}
