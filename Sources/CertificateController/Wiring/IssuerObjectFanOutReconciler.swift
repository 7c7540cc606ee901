import ControllerRuntime
import KeywardAPI
import KubernetesClient

/// Wraps an Issuer or ClusterIssuer reconciler so a change of readiness or of the CA it signs with brings the
/// Certificates referencing it back at once: they then wait, or re-issue under the new CA. The echo of our own
/// status write raises no informer event, so the wrapper compares the cached object before and after.
struct IssuerObjectFanOutReconciler<Resource: IssuerObject, Inner: Reconciler>: Reconciler {
    let inner: Inner
    let issuers: Informer<Resource>
    let certificates: Informer<Certificate>
    let queue: WorkQueue<ObjectKey>

    func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        let before = await issuers.cached(namespace: key.namespace, name: key.name).map(issuerSignature)
        let result = try await inner.reconcile(key)
        let after = await issuers.cached(namespace: key.namespace, name: key.name).map(issuerSignature)
        if before != after {
            await enqueueCertificates(of: Resource.self, key: key, certificates: certificates, queue: queue)
        }
        return result
    }
}

/// What the Certificates of an issuer react to: whether it is ready, and which CA it signs with.
func issuerSignature(_ issuer: some IssuerObject) -> String {
    "\(issuer.isReady) \(issuer.status?.caFingerprintSHA256 ?? "-")"
}

/// Enqueues every Certificate whose `issuer.issuerRef` names this Issuer (same namespace) or ClusterIssuer (any).
func enqueueCertificates<Resource: IssuerObject>(of type: Resource.Type, key: ObjectKey, certificates: Informer<Certificate>,
                                                 queue: WorkQueue<ObjectKey>) async {
    let scope = Resource.isNamespaced ? key.namespace : nil
    for certificate in await certificates.list(namespace: scope) {
        guard let ref = certificate.spec.issuer.issuerRef, ref.kind.rawValue == Resource.kind, ref.name == key.name else { continue }
        await queue.add(ObjectKey(namespace: certificate.metadata.namespace, name: certificate.metadata.name))
    }
}
