import Foundation
import KeywardCore
import KubernetesClient
import KeywardAPI
import KeywardPKI

/// Translates a Certificate spec into what KeywardPKI issues. Kept apart from the reconciler so the mapping
/// (cert-manager spellings → PKI types) is tested on its own.
extension CertificateTemplate {
    public init(spec: Certificate.Spec) throws(IssuanceError) {
        let subject = spec.subject.map {
            CertificateSubject(organizations: $0.organizations, organizationalUnits: $0.organizationalUnits,
                               countries: $0.countries, localities: $0.localities, provinces: $0.provinces)
        } ?? CertificateSubject()
        let usages = try CertificateUsage.parse(spec.usages.map(\.rawValue))
        self.init(commonName: spec.commonName ?? Self.selfSignedCommonName(spec), dnsNames: spec.dnsNames, ipAddresses: spec.ipAddresses, uris: spec.uris,
                  emailAddresses: spec.emailAddresses, subject: subject, duration: spec.effectiveDuration.seconds,
                  isCA: spec.isCA, maxPathLength: spec.maxPathLength, usages: usages,
                  crlDistributionPoints: spec.crlDistributionPoints)
    }

    /// A self-signed certificate's issuer name is its own subject, and RFC 5280 forbids an empty issuer name; where
    /// cert-manager users write only `dnsNames`, the first name becomes the common name. Deterministic, so the
    /// reissue check compares like with like. An `issuerRef` may name a self-signed Issuer or ClusterIssuer, which
    /// the spec alone cannot tell, so its Certificates get the same default whatever the issuer turns out to be.
    static func selfSignedCommonName(_ spec: Certificate.Spec) -> String? {
        guard spec.issuer.selfSigned != nil || spec.issuer.issuerRef != nil, spec.subject?.isEmpty ?? true else { return nil }
        let first = spec.dnsNames.first ?? spec.ipAddresses.first ?? spec.emailAddresses.first ?? spec.uris.first
        return first.flatMap { $0.count <= Certificate.Spec.maximumCommonNameLength ? $0 : nil }
    }
}

extension KeyAlgorithm {
    public init(spec: Certificate.PrivateKey) throws(IssuanceError) {
        try self.init(family: spec.algorithm.rawValue, size: spec.effectiveSize)
    }
}

extension PrivateKeyEncoding {
    public init(spec: Certificate.PrivateKey) throws(IssuanceError) {
        try self.init(specValue: spec.effectiveEncoding.rawValue)
    }
}
