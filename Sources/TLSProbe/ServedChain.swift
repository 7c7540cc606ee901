import KeywardPKI
import X509

/// The certificates an endpoint sent in its TLS handshake, leaf first, as sent (not verified: a probe reads what is
/// served; ``ChainVerifier`` judges it when the caller wants that).
public struct ServedChain: Sendable, Hashable {
    public let certificates: [Certificate]
    /// Facts about each certificate, same order.
    public let infos: [CertificateInfo]

    /// - Precondition: `certificates` is not empty.
    public init(certificates: [Certificate]) throws(ProbeFailure) {
        guard !certificates.isEmpty else { throw .tls(.noCertificate) }
        var infos: [CertificateInfo] = []
        for certificate in certificates {
            do { infos.append(try CertificateInfo(certificate)) } catch { throw .tls(.unreadableCertificate) }
        }
        self.certificates = certificates
        self.infos = infos
    }

    public var leaf: Certificate { certificates[0] }
    public var leafInfo: CertificateInfo { infos[0] }
    /// Everything after the leaf, offered as intermediates when verifying.
    public var intermediates: [Certificate] { Array(certificates.dropFirst()) }
}
