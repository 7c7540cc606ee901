import Foundation
import X509

/// The rules for a CA's CRL state, apart from where it is stored: which CRL is trusted, which number comes next, and
/// which entries the next CRL carries.
///
/// Trusted means signed by the CA (``CertificateRevocationList/isSigned(by:)``: issuer name, key identifier and
/// signature). The stored copy is the operator's own; a published copy (e.g. a ConfigMap anyone in the namespace may
/// write) is read only to migrate from releases that kept nothing else, and only when the CA signed it.
public struct CRLTrust: Sendable {
    /// The trusted CRL, if any.
    public var crl: CertificateRevocationList?
    /// Whether ``crl`` is the stored copy (false when it came from the published copy during migration).
    public var isStored = false
    /// The highest CRL number published so far.
    public var lastNumber: CRLNumber?

    /// A published copy larger than this is not read at all (a ConfigMap holds at most 1 MiB).
    public static let maxPublishedBytes = 1 << 20

    /// Resolves the state from the stored copy (PEM bytes; nil when there is none) and, only when there is none,
    /// the published copy.
    public init(stored: Data?, published: @autoclosure () -> String?, ca: Certificate) {
        if let stored {
            guard let crl = try? CertificateRevocationList(pemEncoded: String(decoding: stored, as: UTF8.self)) else { return }
            if crl.isSigned(by: ca) {
                self.crl = crl
                isStored = true
            }
            // The stored copy is operator-owned: its number carries over even when the CA's key changed since it was
            // signed, so numbers keep increasing across a CA key rotation. Its entries do not (another key's).
            if crl.issuer == ca.subject { lastNumber = crl.crlNumber }
        } else if let pem = published(), pem.utf8.count <= Self.maxPublishedBytes,
            let crl = try? CertificateRevocationList(pemEncoded: pem), crl.isSigned(by: ca)
        {
            self.crl = crl
            lastNumber = crl.crlNumber
        }
    }

    /// The number of the next CRL: one more than the last, or an error once 20 octets are exhausted.
    public func nextNumber() throws(CRLError) -> CRLNumber {
        try (lastNumber ?? .zero).successor()
    }

    /// The entries of the next CRL: the trusted ones, less those RFC 5280 lets go (their certificate expired before
    /// the last CRL was issued), plus `adding`; and the expiries of exactly those entries.
    public func nextEntries(expiries: CRLExpiries, adding: (entry: RevokedCertificate, notAfter: Date)?)
        -> (entries: [RevokedCertificate], expiries: CRLExpiries)
    {
        var expiries = expiries
        var entries = expiries.pruned(crl?.entries ?? [], previousThisUpdate: crl?.thisUpdate)
        if let adding, !entries.contains(where: { $0.serialNumber == adding.entry.serialNumber }) {
            entries.append(adding.entry)
            expiries[adding.entry] = adding.notAfter
        }
        expiries.keep(only: entries)
        return (entries, expiries)
    }
}
