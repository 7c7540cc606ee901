import Foundation

/// What to put in a certificate: names, subject, lifetime, CA-ness and usages, independent of who signs it.
///
/// Field names follow cert-manager's Certificate spec so validation errors (``IssuanceError/invalidField(field:reason:)``)
/// can point at the exact `spec.` path the user wrote.
public struct CertificateTemplate: Sendable, Hashable {
    public var commonName: String?
    public var dnsNames: [String]
    /// IPv4 or IPv6 literals; compared and emitted in canonical form.
    public var ipAddresses: [String]
    public var uris: [String]
    public var emailAddresses: [String]
    public var subject: CertificateSubject
    /// Requested lifetime. The certificate additionally starts ``backdate`` earlier and never outlives its issuer.
    public var duration: TimeInterval
    public var isCA: Bool
    /// basicConstraints pathLenConstraint; only meaningful (and only allowed) when ``isCA``.
    public var maxPathLength: Int?
    /// Empty means the defaults (see ``effectiveUsages(for:)``), as in cert-manager.
    public var usages: [CertificateUsage]
    /// URLs placed in the CRL distribution points extension.
    public var crlDistributionPoints: [String]

    /// cert-manager's default lifetime: 90 days.
    public static let defaultDuration: TimeInterval = 90 * 24 * 3600
    /// cert-manager's minimum: shorter lifetimes leave no room to renew before expiry.
    public static let minimumDuration: TimeInterval = 3600
    /// notBefore is set this far in the past so clients whose clocks lag slightly still accept a fresh certificate
    /// (one minute, enough for NTP-synchronised nodes without noticeably extending the lifetime).
    public static let backdate: TimeInterval = 60

    public init(
        commonName: String? = nil,
        dnsNames: [String] = [],
        ipAddresses: [String] = [],
        uris: [String] = [],
        emailAddresses: [String] = [],
        subject: CertificateSubject = CertificateSubject(),
        duration: TimeInterval = CertificateTemplate.defaultDuration,
        isCA: Bool = false,
        maxPathLength: Int? = nil,
        usages: [CertificateUsage] = [],
        crlDistributionPoints: [String] = []
    ) {
        self.commonName = commonName
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
        self.uris = uris
        self.emailAddresses = emailAddresses
        self.subject = subject
        self.duration = duration
        self.isCA = isCA
        self.maxPathLength = maxPathLength
        self.usages = usages
        self.crlDistributionPoints = crlDistributionPoints
    }

    /// Whether the subject distinguished name would be empty (no common name, no subject attributes).
    public var hasEmptySubject: Bool {
        (commonName ?? "").isEmpty && subject.isEmpty
    }

    /// Whether the template names anything to put in subjectAltName.
    public var hasSubjectAlternativeNames: Bool {
        !dnsNames.isEmpty || !ipAddresses.isEmpty || !uris.isEmpty || !emailAddresses.isEmpty
    }

    /// The usages the certificate will actually carry for a key of `keyAlgorithm`.
    ///
    /// Defaults: leaves get digital signature + server auth, plus key encipherment for RSA keys (RSA key transport
    /// is the only use of that bit); CAs get digital signature. CAs always get cert sign and crl sign. Key
    /// encipherment is dropped for non-RSA keys, as cert-manager does, because EC and Ed25519 keys cannot encipher.
    public func effectiveUsages(for keyAlgorithm: KeyAlgorithm) -> Set<CertificateUsage> {
        var result: Set<CertificateUsage>
        if usages.isEmpty {
            result = isCA ? [.digitalSignature] : [.digitalSignature, .serverAuth]
            if keyAlgorithm.isRSA && !isCA { result.insert(.keyEncipherment) }
        } else {
            result = Set(usages.map(\.canonical))
        }
        if isCA { result.formUnion([.certSign, .crlSign]) }
        if !keyAlgorithm.isRSA { result.remove(.keyEncipherment) }
        return result
    }
}
