/// Why a CA's CRL state cannot be kept.
enum CRLStateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The Secret that would hold the CRL of a `ca.secretRef` issuer exists and was not created by Keyward for it:
    /// it is never written, and the CRL is not published until it is renamed or removed.
    case stateSecretNotOwned(namespace: String?, name: String, issuer: String)

    var description: String {
        switch self {
        case .stateSecretNotOwned(let namespace, let name, let issuer):
            "Secret \(namespace.map { "\($0)/" } ?? "")\(name) exists and was not created by Keyward to hold the CRL of "
                + "issuer \(issuer); rename or remove it so the CRL can be kept"
        }
    }
}
