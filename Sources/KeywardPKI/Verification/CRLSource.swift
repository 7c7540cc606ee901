/// A CRL to check revocation against, in whatever form the caller has it.
///
/// Raw forms are accepted (rather than only a parsed CRL) so that an unreadable CRL still reaches the verifier and
/// makes the result invalid, instead of being silently dropped by the caller.
public enum CRLSource: Sendable, Hashable {
    case parsed(CertificateRevocationList)
    case der([UInt8])
    case pem(String)

    func load() throws(CRLError) -> CertificateRevocationList {
        switch self {
        case .parsed(let crl): crl
        case .der(let der): try CertificateRevocationList(derEncoded: der)
        case .pem(let pem): try CertificateRevocationList(pemEncoded: pem)
        }
    }
}
