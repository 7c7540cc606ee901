import ControllerRuntime
import KeywardAPI
import KubernetesClient

/// Wraps the Certificate reconciler so a CA that this replica just (re)issued brings the Certificates it signs back
/// at once. The informer's fan-out on CA updates sees only changes made elsewhere: the echo of our own status
/// write is already cached and raises no event, and without this the leaves would wait out the issuer retry.
struct IssuerFanOutReconciler<Inner: Reconciler>: Reconciler {
    let inner: Inner
    let certificates: Informer<Certificate>
    let queue: WorkQueue<ObjectKey>
    /// Issuers and ClusterIssuers naming the CA's Secret look at it again too.
    var caSecrets: CASecretListeners?

    func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        let before = await certificates.cached(namespace: key.namespace, name: key.name)?.status?.revision
        let result = try await inner.reconcile(key)
        if let after = await certificates.cached(namespace: key.namespace, name: key.name), after.spec.isCA,
           after.status?.revision != before {
            await enqueueLeaves(of: key, certificates: certificates, queue: queue)
            await caSecrets?.changed(namespace: key.namespace, name: after.spec.secretName)
        }
        return result
    }
}

/// Enqueues every Certificate in the CA's namespace that names it as `issuer.ca.certificateRef`.
func enqueueLeaves(of ca: ObjectKey, certificates: Informer<Certificate>, queue: WorkQueue<ObjectKey>) async {
    for leaf in await certificates.list(namespace: ca.namespace) where leaf.spec.issuer.ca?.certificateRef == ca.name {
        await queue.add(ObjectKey(namespace: leaf.metadata.namespace, name: leaf.metadata.name))
    }
}
