import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardPKI
import KubernetesResources

/// Serves each CA's current CRL (DER) at the operator's `/crl/{namespace}/{name}.crl` route (``route``) from the truth the
/// ``CRLPublisher`` keeps (the CA Certificate's Secret, or the state Secret of a `ca.secretRef` issuer), never from
/// the ConfigMap a tenant could have written.
///
/// Reads only the informer caches (``ResourceStore/cachedOnly(_:namespace:name:)``): anyone who can reach the
/// endpoint can ask for any name, and no such request may become an API read.
public struct CertificateCRLProvider: Sendable {
    let store: any ResourceStore

    public init(store: any ResourceStore) { self.store = store }

    /// `GET /crl/{namespace}/{name}.crl`: the CRL as `application/pkix-crl`, else 404.
    public var route: OperatorHTTPRoute {
        OperatorHTTPRoute(path: "/crl/{namespace}/{name}.crl") { [self] parameters in
            guard let namespace = parameters["namespace"], let name = parameters["name"],
                let der = await crl(namespace: namespace, name: name)
            else { return .text(404, "no CRL\n") }
            return OperatorHTTPRoute.Response(status: 200, contentType: "application/pkix-crl", body: Array(der))
        }
    }

    /// DER bytes of the CRL of the CA `namespace/name` (a CA Certificate or a `ca.secretRef` issuer), or `nil`
    /// when it has none.
    public func crl(namespace: String, name: String) async -> Data? {
        if let ca = await store.cachedOnly(Certificate.self, namespace: namespace, name: name), ca.spec.isCA {
            guard let secret = await store.cachedOnly(Secret.self, namespace: namespace, name: ca.spec.secretName),
                CertificateSecret.isOwned(secret, by: ca)
            else { return nil }
            return Self.der(secret)
        }
        let stateName = CRLPublisher.stateSecretName(forIssuer: name)
        guard let secret = await store.cachedOnly(Secret.self, namespace: namespace, name: stateName),
            CRLPublisher.isStateSecret(secret, owner: name)
        else { return nil }
        return Self.der(secret)
    }

    private static func der(_ secret: Secret) -> Data? {
        guard let pem = secret.string(CertificateSecret.crlKey), let crl = try? CertificateRevocationList(pemEncoded: pem)
        else { return nil }
        return Data(crl.derEncoded)
    }
}
