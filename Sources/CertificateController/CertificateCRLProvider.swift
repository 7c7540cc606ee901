import ControllerRuntime
import Foundation
import KeywardPKI
import KubernetesResources

/// Serves each CA's current CRL (DER) to the operator's `/crl/{namespace}/{name}.crl` endpoint, read from the
/// ConfigMap the ``CRLPublisher`` maintains.
public struct CertificateCRLProvider: CRLProvider {
    let store: any ResourceStore

    public init(store: any ResourceStore) { self.store = store }

    public func crl(namespace: String, name: String) async -> Data? {
        let configMap = try? await store.get(ConfigMap.self, namespace: namespace,
                                             name: CRLPublisher.configMapName(forIssuer: name))
        guard let pem = configMap?.data?[CRLPublisher.pemKey], let crl = try? CertificateRevocationList(pemEncoded: pem)
        else { return nil }
        return Data(crl.derEncoded)
    }
}
