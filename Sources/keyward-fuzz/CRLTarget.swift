import Foundation
import KeywardPKI
import X509

/// What a tenant can hand the CRL publisher: a `<ca>-crl` ConfigMap's CRL (forged, replayed, huge-numbered or
/// garbage), next to whatever the operator-owned copy holds, run through the publisher's trust and merge rules
/// (``CRLTrust``) and, when they allow, the signing of the next CRL.
///
/// The input is sections split at a line `--8<--`: the CA (certificate and key PEM), the stored copy, the ConfigMap's
/// `ca.crl`, the expiry annotation, and the current time in Unix seconds. A missing or unusable CA falls back to a
/// fixed one generated at start-up; a section whose bytes are a CRL's DER is also tried as that CRL's PEM.
enum CRLTarget {
    static let fallbackCA: Issuer = {
        let key = try! PrivateKey.generate(.ecdsaP256)
        let ca = try! Issuer.selfSigned.issue(template: CertificateTemplate(commonName: "Fuzz CA", duration: 86_400 * 3650,
                                                                            isCA: true),
                                              subjectKey: key, now: Date(timeIntervalSince1970: 1_700_000_000))
        return try! Issuer(certificate: ca.certificate, privateKey: key)
    }()

    static func run(_ input: FuzzInput) {
        let sections = input.text.components(separatedBy: "\n--8<--\n")
        func section(_ index: Int) -> String? { index < sections.count ? sections[index] : nil }
        let issuer = section(0).flatMap { text -> Issuer? in
            guard let certificatePEM = block(text, "CERTIFICATE"), let keyPEM = block(text, "EC PRIVATE KEY"),
                let certificate = try? PEMBundle.certificates(from: certificatePEM).first,
                let key = try? PrivateKey(pemEncoded: keyPEM), key.matches(certificate)
            else { return nil }
            return try? Issuer(certificate: certificate, privateKey: key)
        } ?? fallbackCA
        guard let ca = issuer.certificate else { return }
        let now = section(4).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            .map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? Date(timeIntervalSince1970: 1_800_000_000)

        for stored in variants(section(1)) + [nil] {
            for published in variants(section(2)) + [nil] {
                let trust = CRLTrust(stored: stored.map { Data($0.utf8) }, published: published, ca: ca)
                if let crl = trust.crl { precondition(crl.isSigned(by: ca), "an unsigned CRL was trusted") }
                let expiries = CRLExpiries(annotation: section(3))
                _ = expiries.annotation
                let revoked = RevokedCertificate(serialNumber: Certificate.SerialNumber(bytes: [0x01, 0x02]),
                                                 revocationDate: now, reason: .keyCompromise)
                let next = trust.nextEntries(expiries: expiries, adding: (revoked, now.addingTimeInterval(3600)))
                precondition(next.entries.contains(revoked), "the new entry was lost")
                if let previous = trust.crl {
                    let forged = Set(next.entries.map(\.serialNumber)).subtracting(previous.entries.map(\.serialNumber))
                    precondition(forged.subtracting([revoked.serialNumber]).isEmpty, "an entry came from nowhere")
                }
                guard let number = try? trust.nextNumber() else { continue }
                if let last = trust.lastNumber { precondition(number > last, "the CRL number did not increase") }
                guard let crl = try? issuer.makeCRL(thisUpdate: now, nextUpdate: now.addingTimeInterval(7 * 86_400),
                                                    crlNumber: number, entries: next.entries)
                else { continue }
                let reread = try? CertificateRevocationList(derEncoded: crl.derEncoded)
                precondition(reread?.crlNumber == number && reread?.isSigned(by: ca) == true, "the signed CRL does not read back")
            }
        }
    }

    /// The first `-----BEGIN type-----` … `-----END type-----` block of `text`.
    private static func block(_ text: String, _ type: String) -> String? {
        guard let begin = text.range(of: "-----BEGIN \(type)-----"),
            let end = text.range(of: "-----END \(type)-----", range: begin.upperBound..<text.endIndex)
        else { return nil }
        return String(text[begin.lowerBound..<end.upperBound])
    }

    /// The section as given, and (when its bytes parse as a CRL's DER) that CRL as PEM.
    private static func variants(_ text: String?) -> [String] {
        guard let text else { return [] }
        guard let der = try? CertificateRevocationList(derEncoded: Array(text.utf8)) else { return [text] }
        return [text, der.pemEncoded]
    }
}
