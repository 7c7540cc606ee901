import Foundation
import X509

/// Decides whether a stored certificate still satisfies the spec, its issuer and the clock.
///
/// Pure and fail-safe: unreadable inputs produce reasons rather than errors, so the reconciler's answer to any
/// corrupted Secret is simply "reissue". Lifetime changes are deliberately not a reason: like cert-manager, a new
/// `duration` takes effect at the next renewal.
public enum ReissuePolicy {
    /// - Parameters:
    ///   - expectedIssuer: the CA that should have signed the leaf, or nil when it should be self-signed.
    ///   - renewalTime: when renewal is due (see ``RenewalSchedule``); nil skips that check.
    /// - Returns: every applicable reason in a fixed order; empty means keep the certificate.
    public static func reasons(
        current: StoredCertificate,
        desired: CertificateTemplate,
        keyAlgorithm: KeyAlgorithm,
        expectedIssuer: Certificate?,
        now: Date,
        renewalTime: Date?
    ) -> [ReissueReason] {
        var reasons: [ReissueReason] = []
        let (certificate, info) = readCertificate(current.certificatePEM, into: &reasons)
        let key = readKey(current.privateKeyPEM, into: &reasons)

        // The stored key is authoritative; without one, the certificate's public key tells the algorithm.
        if key != nil || info != nil {
            let currentAlgorithm = key?.algorithm ?? info?.keyAlgorithm
            if currentAlgorithm != keyAlgorithm {
                reasons.append(.keyAlgorithmChanged(current: currentAlgorithm, desired: keyAlgorithm))
            }
        }
        guard let certificate, let info else { return reasons }
        if let key, !key.matches(certificate) { reasons.append(.keyMismatch) }

        reasons += specDifferences(info, desired: desired, keyAlgorithm: keyAlgorithm)
        if let problem = issuerProblem(certificate, expectedIssuer: expectedIssuer) {
            reasons.append(.issuerChanged(reason: problem))
        }
        if now >= info.notAfter {
            reasons.append(.expired(notAfter: info.notAfter))
        } else if now < info.notBefore {
            reasons.append(.notYetValid(notBefore: info.notBefore))
        } else if let renewalTime, now >= renewalTime {
            reasons.append(.renewalDue(renewalTime: renewalTime))
        }
        return reasons
    }

    /// Same, computing the renewal time from the stored certificate's validity via ``RenewalSchedule``.
    public static func reasons(
        current: StoredCertificate,
        desired: CertificateTemplate,
        keyAlgorithm: KeyAlgorithm,
        expectedIssuer: Certificate?,
        now: Date,
        renewBefore: TimeInterval?,
        jitterSeed: String
    ) -> [ReissueReason] {
        let info = current.certificatePEM.flatMap { try? ParsedLeaf.read($0).info }
        let renewalTime = info.map {
            RenewalSchedule.renewalTime(
                notBefore: $0.notBefore, notAfter: $0.notAfter, renewBefore: renewBefore, jitterSeed: jitterSeed
            )
        }
        return reasons(
            current: current, desired: desired, keyAlgorithm: keyAlgorithm, expectedIssuer: expectedIssuer,
            now: now, renewalTime: renewalTime
        )
    }

    private static func readCertificate(
        _ pem: String?, into reasons: inout [ReissueReason]
    ) -> (Certificate?, CertificateInfo?) {
        guard let pem, !pem.allSatisfy(\.isWhitespace) else {
            reasons.append(.missingCertificate)
            return (nil, nil)
        }
        do {
            let leaf = try ParsedLeaf.read(pem)
            return (leaf.certificate, leaf.info)
        } catch {
            reasons.append(.unreadableCertificate(reason: "\(error)"))
            return (nil, nil)
        }
    }

    private static func readKey(_ pem: String?, into reasons: inout [ReissueReason]) -> PrivateKey? {
        guard let pem, !pem.allSatisfy(\.isWhitespace) else {
            reasons.append(.missingPrivateKey)
            return nil
        }
        do {
            return try PrivateKey(pemEncoded: pem)
        } catch {
            reasons.append(.unreadablePrivateKey(reason: error.description))
            return nil
        }
    }

    static func specDifferences(
        _ info: CertificateInfo, desired: CertificateTemplate, keyAlgorithm: KeyAlgorithm
    ) -> [ReissueReason] {
        var reasons: [ReissueReason] = []
        let desiredCN = desired.commonName.flatMap { $0.isEmpty ? nil : $0 }
        if desiredCN != info.commonName { reasons.append(.commonNameChanged) }
        if Set(desired.dnsNames.map { $0.lowercased() }) != Set(info.dnsNames.map { $0.lowercased() }) {
            reasons.append(.dnsNamesChanged)
        }
        if Set(desired.ipAddresses.map { IPAddress.canonical($0) ?? $0 }) != Set(info.ipAddresses) {
            reasons.append(.ipAddressesChanged)
        }
        if Set(desired.uris) != Set(info.uris) { reasons.append(.urisChanged) }
        if Set(desired.emailAddresses) != Set(info.emailAddresses) { reasons.append(.emailAddressesChanged) }
        let want = desired.subject
        let have = info.subject
        if want.organizations.sorted() != have.organizations.sorted()
            || want.organizationalUnits.sorted() != have.organizationalUnits.sorted()
            || want.countries.sorted() != have.countries.sorted()
            || want.localities.sorted() != have.localities.sorted()
            || want.provinces.sorted() != have.provinces.sorted()
        {
            reasons.append(.subjectChanged)
        }
        if desired.effectiveUsages(for: keyAlgorithm) != info.usages { reasons.append(.usagesChanged) }
        if desired.isCA != info.isCA {
            reasons.append(.isCAChanged)
        } else if desired.isCA && desired.maxPathLength != info.maxPathLength {
            reasons.append(.maxPathLengthChanged)
        }
        if desired.crlDistributionPoints != info.crlDistributionPoints {
            reasons.append(.crlDistributionPointsChanged)
        }
        return reasons
    }

    /// Nil when `certificate` was signed by `expectedIssuer` (or is self-signed when that is nil).
    static func issuerProblem(_ certificate: Certificate, expectedIssuer: Certificate?) -> String? {
        guard let ca = expectedIssuer else {
            return Issuer.isSelfSigned(certificate) ? nil : "expected a self-signed certificate"
        }
        guard certificate.issuer == ca.subject else {
            return "issued by \"\(certificate.issuer)\", expected \"\(ca.subject)\""
        }
        if let aki = try? certificate.extensions.authorityKeyIdentifier?.keyIdentifier,
            let ski = try? ca.extensions.subjectKeyIdentifier?.keyIdentifier, aki != ski
        {
            return "authority key identifier does not match the CA's subject key identifier"
        }
        guard ca.publicKey.isValidSignature(certificate.signature, for: certificate) else {
            return "signature does not verify with the CA's key"
        }
        return nil
    }
}
