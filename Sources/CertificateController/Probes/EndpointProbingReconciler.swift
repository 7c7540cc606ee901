import ControllerRuntime

/// Standalone mode's composition: the Certificate pass, then its endpoint probes, as one reconciler for the
/// runner's Certificate lane (the runner keeps one due time per object). The next pass is due at the sooner of the
/// two requeues. The controller runs the probes as their own controller instead, off the issuance queue.
public struct EndpointProbingReconciler: Reconciler {
    let inner: any Reconciler
    let probes: EndpointProbeReconciler

    public init(inner: any Reconciler, probes: EndpointProbeReconciler) {
        self.inner = inner
        self.probes = probes
    }

    public func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        let issued = try await inner.reconcile(key)
        let probed = try await probes.reconcile(key)
        let next = [issued.requeueAfter, probed.requeueAfter].compactMap { $0 }.min()
        return ReconcileResult(requeueAfter: next)
    }
}
