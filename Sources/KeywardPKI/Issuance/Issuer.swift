import Foundation
import SwiftASN1
import X509

/// Who signs: the subject key itself (self-signed) or a CA certificate and its key.
public struct Issuer: Sendable {
    enum Kind: Sendable {
        case selfSigned
        case authority(certificate: Certificate, key: PrivateKey, chain: [Certificate])
    }

    let kind: Kind

    /// Each certificate signs itself with its own subject key.
    public static let selfSigned = Issuer(kind: .selfSigned)

    private init(kind: Kind) {
        self.kind = kind
    }

    /// A CA issuer. `chain` is the CA's own chain upwards (its issuer, ..., ideally ending in the root); empty when
    /// `certificate` is itself the root.
    ///
    /// Rejected up front: certificates without basicConstraints cA, with a keyUsage lacking keyCertSign, or whose
    /// public key is not `privateKey`'s.
    public init(certificate: Certificate, privateKey: PrivateKey, chain: [Certificate] = []) throws(IssuanceError) {
        let constraints: BasicConstraints?
        let keyUsage: KeyUsage?
        do {
            constraints = try certificate.extensions.basicConstraints
            keyUsage = try certificate.extensions.keyUsage
        } catch {
            throw .invalidIssuer(reason: "CA certificate has malformed extensions: \(error)")
        }
        guard case .isCertificateAuthority = constraints else {
            throw .invalidIssuer(reason: "certificate \"\(certificate.subject)\" is not a CA (basicConstraints cA)")
        }
        if let keyUsage, !keyUsage.keyCertSign {
            throw .invalidIssuer(reason: "CA certificate's keyUsage does not allow certificate signing")
        }
        guard privateKey.matches(certificate) else {
            throw .invalidIssuer(reason: "CA private key does not match the CA certificate")
        }
        self.kind = .authority(certificate: certificate, key: privateKey, chain: chain)
    }

    /// A CA issuer from a CA Secret's contents: `certificatePEM` starts with the CA certificate, optionally followed
    /// by its chain; `caPEM` (e.g. `ca.crt`) adds the root when it is not already present.
    public init(certificatePEM: String, privateKeyPEM: String, caPEM: String? = nil) throws(IssuanceError) {
        let certificates: [Certificate]
        let key: PrivateKey
        do {
            certificates = try PEMBundle.certificates(from: certificatePEM)
        } catch {
            throw .invalidIssuer(reason: "CA certificate: \(error)")
        }
        do {
            key = try PrivateKey(pemEncoded: privateKeyPEM)
        } catch {
            throw .invalidIssuer(reason: "CA private key: \(error)")
        }
        var chain = Array(certificates.dropFirst())
        if let caPEM, !caPEM.isEmpty {
            do {
                for root in try PEMBundle.certificates(from: caPEM)
                where root != certificates[0] && !chain.contains(root) {
                    chain.append(root)
                }
            } catch {
                throw .invalidIssuer(reason: "CA bundle: \(error)")
            }
        }
        try self.init(certificate: certificates[0], privateKey: key, chain: chain)
    }

    /// The CA certificate, nil when self-signed.
    public var certificate: Certificate? {
        if case .authority(let certificate, _, _) = kind { return certificate }
        return nil
    }

    /// Signs a certificate for `subjectKey` as described by `template`, valid from `now` − backdate.
    ///
    /// The lifetime is clipped to the CA's notAfter: a certificate cannot usefully outlive its issuer, and clients
    /// would reject the chain at that point anyway.
    public func issue(
        template: CertificateTemplate, subjectKey: PrivateKey, now: Date
    ) throws(IssuanceError) -> IssuedCertificate {
        try template.validate(for: subjectKey.algorithm)
        if case .selfSigned = kind, template.hasEmptySubject {
            throw .invalidField(
                field: "spec.commonName", reason: "a self-signed certificate needs a commonName or subject"
            )
        }
        let start = X509Time.truncated(now)
        var notAfter = start.addingTimeInterval(template.duration.rounded(.down))
        let notBefore = start.addingTimeInterval(-CertificateTemplate.backdate)
        let subject: DistinguishedName
        do {
            subject = try Self.distinguishedName(for: template)
        } catch {
            throw .invalidField(field: "spec.subject", reason: "cannot be encoded: \(error)")
        }

        let issuerName: DistinguishedName
        let signingKey: PrivateKey
        let authorityKeyID: ArraySlice<UInt8>
        switch kind {
        case .selfSigned:
            issuerName = subject
            signingKey = subjectKey
            authorityKeyID = SubjectKeyIdentifier(hash: subjectKey.publicKey).keyIdentifier
        case .authority(let ca, let key, _):
            guard ca.notValidAfter > start, ca.notValidBefore <= start else {
                throw .invalidIssuer(
                    reason: "CA certificate is not valid at \(start) (valid \(ca.notValidBefore) to \(ca.notValidAfter))"
                )
            }
            if template.isCA, case .isCertificateAuthority(maxPathLength: 0)? = try? ca.extensions.basicConstraints {
                throw .invalidIssuer(reason: "CA certificate's pathLen 0 forbids issuing CA certificates")
            }
            issuerName = ca.subject
            signingKey = key
            authorityKeyID = (try? ca.extensions.subjectKeyIdentifier)?.keyIdentifier
                ?? SubjectKeyIdentifier(hash: ca.publicKey).keyIdentifier
            notAfter = min(notAfter, ca.notValidAfter)
        }

        let certificate: Certificate
        do {
            let extensions = try Self.extensions(
                for: template, subjectKey: subjectKey, authorityKeyID: authorityKeyID
            )
            certificate = try Certificate(
                version: .v3,
                serialNumber: SerialNumberGenerator.next(),
                publicKey: subjectKey.publicKey,
                notValidBefore: notBefore,
                notValidAfter: notAfter,
                issuer: issuerName,
                subject: subject,
                signatureAlgorithm: SignatureScheme(for: signingKey).certificateSignatureAlgorithm,
                extensions: extensions,
                issuerPrivateKey: signingKey.certificatePrivateKey
            )
        } catch let error as IssuanceError {
            throw error
        } catch {
            throw .signingFailed(reason: String(describing: error))
        }
        return assemble(certificate)
    }

    /// Splits the issuer's chain into intermediates and the root.
    private func assemble(_ certificate: Certificate) -> IssuedCertificate {
        guard case .authority(let ca, _, let upper) = kind else {
            return IssuedCertificate(certificate: certificate, chain: [], caCertificate: certificate)
        }
        let path = [ca] + upper
        let root = path.last!
        if Self.isSelfSigned(root) {
            return IssuedCertificate(certificate: certificate, chain: Array(path.dropLast()), caCertificate: root)
        }
        return IssuedCertificate(certificate: certificate, chain: path, caCertificate: root)
    }

    /// Whether this CA signed `certificate`: issuer name, authority key identifier and signature, the checks the
    /// reissue policy makes. A CA revokes only what it signed: a serial copied from someone else's certificate,
    /// listed in its CRL, would revoke that certificate for everyone who trusts the CA.
    public func signed(_ certificate: Certificate) -> Bool {
        guard let ca = self.certificate else { return false }
        return ReissuePolicy.issuerProblem(certificate, expectedIssuer: ca) == nil
    }

    static func isSelfSigned(_ certificate: Certificate) -> Bool {
        certificate.issuer == certificate.subject
            && certificate.publicKey.isValidSignature(certificate.signature, for: certificate)
    }

    /// C, ST, L, O, OU, CN: broadest first, one attribute per RDN, as OpenSSL and Go order them.
    static func distinguishedName(for template: CertificateTemplate) throws -> DistinguishedName {
        typealias Attribute = RelativeDistinguishedName.Attribute
        var rdns: [RelativeDistinguishedName] = []
        for country in template.subject.countries {
            rdns.append(RelativeDistinguishedName(try Attribute(type: .RDNAttributeType.countryName, printableString: country)))
        }
        let utf8: [(ASN1ObjectIdentifier, [String])] = [
            (.RDNAttributeType.stateOrProvinceName, template.subject.provinces),
            (.RDNAttributeType.localityName, template.subject.localities),
            (.RDNAttributeType.organizationName, template.subject.organizations),
            (.RDNAttributeType.organizationalUnitName, template.subject.organizationalUnits),
            (.RDNAttributeType.commonName, template.commonName.map { [$0] } ?? []),
        ]
        for (type, values) in utf8 {
            for value in values { rdns.append(RelativeDistinguishedName(Attribute(type: type, utf8String: value))) }
        }
        return DistinguishedName(rdns)
    }

    /// The extension profile (RFC 5280 section 4.2):
    /// - basicConstraints, critical: cA and pathLen for CAs, cA FALSE for leaves.
    /// - keyUsage, critical; extendedKeyUsage when any purpose is asserted.
    /// - subjectKeyIdentifier always; authorityKeyIdentifier always (equal to the SKI when self-signed).
    /// - subjectAltName, critical exactly when the subject is empty (4.2.1.6).
    /// - cRLDistributionPoints when configured.
    static func extensions(
        for template: CertificateTemplate, subjectKey: PrivateKey, authorityKeyID: ArraySlice<UInt8>
    ) throws -> Certificate.Extensions {
        let usages = template.effectiveUsages(for: subjectKey.algorithm)
        var extensions = Certificate.Extensions()
        let constraints: BasicConstraints =
            template.isCA ? .isCertificateAuthority(maxPathLength: template.maxPathLength) : .notCertificateAuthority
        try extensions.append(Certificate.Extension(constraints, critical: true))
        if let keyUsage = CertificateUsage.keyUsage(usages) {
            try extensions.append(Certificate.Extension(keyUsage, critical: true))
        }
        let purposes = usages.sorted().compactMap(\.extendedKeyUsageOID)
        if !purposes.isEmpty {
            let eku = try ExtendedKeyUsage(purposes.map { ExtendedKeyUsage.Usage(oid: $0) })
            try extensions.append(Certificate.Extension(eku, critical: false))
        }
        try extensions.append(Certificate.Extension(SubjectKeyIdentifier(hash: subjectKey.publicKey), critical: false))
        try extensions.append(
            Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: authorityKeyID), critical: false)
        )
        var names: [GeneralName] = template.dnsNames.map { .dnsName($0) }
        names += template.ipAddresses.compactMap(IPAddress.bytes).map { .ipAddress(ASN1OctetString(contentBytes: $0[...])) }
        names += template.emailAddresses.map { .rfc822Name($0) }
        names += template.uris.map { .uniformResourceIdentifier($0) }
        if !names.isEmpty {
            try extensions.append(
                Certificate.Extension(SubjectAlternativeNames(names), critical: template.hasEmptySubject)
            )
        }
        if !template.crlDistributionPoints.isEmpty {
            try extensions.append(CRLDistributionPoints(urls: template.crlDistributionPoints).makeExtension())
        }
        return extensions
    }
}
