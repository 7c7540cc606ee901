/// What the leaf an endpoint serves is, measured against what Keyward issued.
public enum ServedVerdict: String, Sendable, Hashable, CaseIterable {
    /// The serial of the certificate now in the Secret.
    case current = "Current"
    /// A serial Keyward issued earlier: the consumer has not reloaded.
    case stale = "StaleCertificate"
    /// A serial Keyward did not issue (as far as its bounded history knows): drift.
    case unknown = "UnknownCertificate"

    /// - Parameters: serials as ``KeywardPKI/CertificateInfo/serialHex`` writes them (case is ignored).
    public init(servedSerial: String, currentSerial: String?, issuedSerials: [String]) {
        let served = servedSerial.lowercased()
        if served == currentSerial?.lowercased() {
            self = .current
        } else if issuedSerials.contains(where: { $0.lowercased() == served }) {
            self = .stale
        } else {
            self = .unknown
        }
    }
}
