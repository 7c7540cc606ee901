import Foundation
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

/// Verifies a leaf against trusted roots at a given time, optionally for a server name and against a CRL.
///
/// Fail-closed: anything that prevents a confident "valid" (an unreadable, mis-signed, not-yet-valid or stale CRL,
/// a CRL from another issuer) yields `.invalid`. Chain building and RFC 5280 path checks come from swift-certificates'
/// `Verifier`; Keyward adds the name/EKU and revocation checks it lacks.
public struct ChainVerifier: Sendable {
    public var trustRoots: [Certificate]

    public init(trustRoots: [Certificate]) {
        self.trustRoots = trustRoots
    }

    /// - Parameters:
    ///   - dnsName: when set, the leaf must cover it (SAN dNSName with RFC 6125 wildcard rules, or an iPAddress SAN
    ///     when it is an IP literal) and must not have an extendedKeyUsage that excludes server auth.
    ///   - crl: when set, must be a current CRL signed by the leaf's issuer; a listed serial means revoked.
    public func verify(
        leaf: Certificate,
        intermediates: [Certificate] = [],
        at time: Date,
        dnsName: String? = nil,
        crl: CRLSource? = nil
    ) async -> ChainVerificationResult {
        guard !trustRoots.isEmpty else { return .invalid(.noTrustRoots) }
        if time < leaf.notValidBefore { return .invalid(.notYetValid(notBefore: leaf.notValidBefore)) }
        if time > leaf.notValidAfter { return .invalid(.expired(notAfter: leaf.notValidAfter)) }

        // Checked first (and again by swift-certificates' ServerIdentityPolicy) so the reason can say "wrong name"
        // instead of a generic chain failure.
        if let dnsName, !Self.leafCovers(leaf, name: dnsName) { return .invalid(.nameMismatch(name: dnsName)) }

        let chain: [Certificate]
        if Self.isDirectlyTrusted(leaf, roots: trustRoots) {
            chain = [leaf]
        } else {
            switch await buildChain(leaf: leaf, intermediates: intermediates, at: time, dnsName: dnsName) {
            case .validCertificate(let validated):
                chain = Array(validated)
            case .couldNotValidate(let failures):
                var reasons: [String] = []
                for failure in failures where !reasons.contains(failure.policyFailureReason.description) {
                    reasons.append(failure.policyFailureReason.description)
                }
                return .invalid(.untrustedChain(reasons: reasons))
            }
        }

        if dnsName != nil, let eku = try? leaf.extensions.extendedKeyUsage,
            !eku.contains(.serverAuth), !eku.contains(.any)
        {
            return .invalid(.notForServerAuth)
        }
        if let crl {
            // The validated chain runs leaf → root; a self-signed trusted leaf is its own issuer.
            let issuer = chain.count > 1 ? chain[1] : chain[0]
            if let failure = Self.checkRevocation(of: leaf, issuer: issuer, crl: crl, at: time) {
                return .invalid(failure)
            }
        }
        return .valid
    }

    private func buildChain(
        leaf: Certificate, intermediates: [Certificate], at time: Date, dnsName: String?
    ) async -> CertificateValidationResult {
        let roots = CertificateStore(trustRoots)
        let store = CertificateStore(intermediates)
        if let dnsName {
            let isIP = IPAddress.bytes(dnsName) != nil
            var verifier = Verifier(rootCertificates: roots) {
                RFC5280Policy(fixedExpiryValidationTime: time)
                ServerIdentityPolicy(serverHostname: isIP ? nil : dnsName, serverIP: isIP ? dnsName : nil)
            }
            return await verifier.validate(leaf: leaf, intermediates: store)
        }
        var verifier = Verifier(rootCertificates: roots) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            SubjectAlternativeNamePolicy()
        }
        return await verifier.validate(leaf: leaf, intermediates: store)
    }

    /// A self-signed certificate that is itself a trust root (cert-manager's SelfSigned issuer, `ca.crt` equal to
    /// `tls.crt`) is trusted as-is, as Go and OpenSSL do; swift-certificates insists such roots be CAs. Only the
    /// critical extensions Keyward understands are allowed.
    static func isDirectlyTrusted(_ leaf: Certificate, roots: [Certificate]) -> Bool {
        let understood: Set<ASN1ObjectIdentifier> = [
            .X509ExtensionID.basicConstraints, .X509ExtensionID.keyUsage, .X509ExtensionID.subjectAlternativeName,
            .X509ExtensionID.extendedKeyUsage,
        ]
        return roots.contains(leaf) && Issuer.isSelfSigned(leaf)
            && leaf.extensions.allSatisfy { !$0.critical || understood.contains($0.oid) }
    }

    static func checkRevocation(
        of leaf: Certificate, issuer: Certificate, crl source: CRLSource, at time: Date
    ) -> VerificationFailure? {
        let crl: CertificateRevocationList
        do {
            crl = try source.load()
        } catch {
            return .crlUnreadable(reason: error.description)
        }
        guard crl.issuer == issuer.subject else {
            return .crlWrongIssuer(crlIssuer: crl.issuer.description, certificateIssuer: issuer.subject.description)
        }
        if let keyUsage = try? issuer.extensions.keyUsage, !keyUsage.cRLSign {
            return .crlUnreadable(reason: "issuer keyUsage does not permit CRL signing")
        }
        guard crl.isSigned(by: issuer) else { return .crlBadSignature }
        if time < crl.thisUpdate { return .crlNotYetValid(thisUpdate: crl.thisUpdate) }
        if time > crl.nextUpdate { return .crlExpired(nextUpdate: crl.nextUpdate) }
        if let entry = crl.entry(for: leaf.serialNumber) {
            return .revoked(serialHex: entry.serialHex, reason: entry.reason, revocationDate: entry.revocationDate)
        }
        return nil
    }

    /// SAN-only name check (no CN fallback, as RFC 6125 and modern clients do) used to report name mismatches
    /// precisely. Wildcards match exactly one leftmost label.
    static func leafCovers(_ leaf: Certificate, name: String) -> Bool {
        guard let san = try? leaf.extensions.subjectAlternativeNames else { return false }
        if let address = IPAddress.bytes(name) {
            return san.contains { if case .ipAddress(let octets) = $0 { Array(octets.bytes) == address } else { false } }
        }
        let target = name.lowercased().split(separator: ".", omittingEmptySubsequences: false)
        return san.contains { general in
            guard case .dnsName(let pattern) = general else { return false }
            let labels = pattern.lowercased().split(separator: ".", omittingEmptySubsequences: false)
            guard labels.count == target.count else { return false }
            if labels.first == "*" { return labels.count >= 3 && labels.dropFirst() == target.dropFirst() }
            return labels == target
        }
    }
}
