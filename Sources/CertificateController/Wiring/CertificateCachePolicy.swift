import ControllerRuntime
import KeywardAPI

extension CachePolicy where T == Certificate {
    /// Cached Certificates: `managedFields` dropped, and the status fields that describe the issuer (its name, its
    /// CA's fingerprint) are the same text in every Certificate one issuer signed, so the cache keeps one copy of
    /// each (64 bytes of hex and a name, in each of 10,000 Certificates).
    static func certificates() -> CachePolicy<Certificate> {
        let issuerStrings = SharedValuePool<String>()
        return CachePolicy(
            maxObjectBytes: nil, size: { _ in 0 },
            strip: { certificate in
                var copy = CachePolicy.withoutManagedFields(certificate)
                if let name = copy.status?.issuerName { copy.status?.issuerName = issuerStrings.shared(name) }
                if let fingerprint = copy.status?.issuerFingerprintSHA256 {
                    copy.status?.issuerFingerprintSHA256 = issuerStrings.shared(fingerprint)
                }
                return copy
            },
            metadataOnly: { $0 })
    }
}
