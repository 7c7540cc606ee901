/// What a certificate Secret currently holds. Any field may be absent or garbage; the reissue policy copes.
public struct StoredCertificate: Sendable, Hashable {
    /// `tls.crt`: the leaf first, optionally followed by intermediates.
    public var certificatePEM: String?
    /// `tls.key`.
    public var privateKeyPEM: String?

    public init(certificatePEM: String?, privateKeyPEM: String?) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }
}
