import Foundation
import X509

extension Issuer {
    /// Signs a CRL for this CA. Self-signed issuers have no CA key to sign with and no CRL.
    public func makeCRL(thisUpdate: Date, nextUpdate: Date, crlNumber: CRLNumber,
                        entries: [RevokedCertificate]) throws(CRLError) -> CertificateRevocationList? {
        guard case .authority(let certificate, let key, _) = kind else { return nil }
        return try CertificateRevocationList(issuerCertificate: certificate, issuerKey: key, thisUpdate: thisUpdate,
                                             nextUpdate: nextUpdate, crlNumber: crlNumber, entries: entries)
    }
}
