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
        self.init(commonName: spec.commonName, dnsNames: spec.dnsNames, ipAddresses: spec.ipAddresses, uris: spec.uris,
                  emailAddresses: spec.emailAddresses, subject: subject, duration: spec.effectiveDuration.seconds,
                  isCA: spec.isCA, maxPathLength: spec.maxPathLength, usages: usages,
                  crlDistributionPoints: spec.crlDistributionPoints)
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
