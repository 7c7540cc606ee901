import Foundation

/// The current CRL of each CA, served at `/crl/{namespace}/{name}.crl` (the certificate controller implements it).
public protocol CRLProvider: Sendable {
    /// DER bytes of the CRL of the CA Certificate `namespace/name`, or `nil` when it has none.
    func crl(namespace: String, name: String) async -> Data?
}
