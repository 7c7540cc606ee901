import KeywardPKI
import SwiftASN1
import X509

/// Everything Keyward parses out of `tls.crt`, `tls.key`, `ca.crt`, `ca.crl` and the files `wait-for-certs` reads:
/// certificate bundles, private keys, CRLs (PEM and DER), and the inspection the reissue policy runs on them.
enum PEMTarget {
    static func run(_ input: FuzzInput) {
        let text = input.text
        let certificates = (try? PEMBundle.certificates(from: text)) ?? []
        for certificate in certificates { _ = try? CertificateInfo(certificate) }
        _ = try? CertificateInfo(pemEncoded: text)
        if let certificate = try? PEMBundle.certificate(derEncoded: input.bytes) { _ = try? CertificateInfo(certificate) }
        if let key = try? PrivateKey(pemEncoded: text), let certificate = certificates.first {
            _ = key.matches(certificate)
        }
        _ = try? CertificateRevocationList(pemEncoded: text)
        _ = try? CertificateRevocationList(derEncoded: input.bytes)
    }
}
