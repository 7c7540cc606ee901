import ControllerRuntime
import Foundation
import KeywardAPI
import KubernetesClient
import KubernetesResources
import RotationStrategies

/// Finds a SecretRotation's consumer workloads and reads and sets their revision stamps.
struct ConsumerTracker {
    let store: any ResourceStore
    let patcher: any WorkloadPatcher

    /// One consumer's live state.
    struct Consumer {
        var reference: SecretRotation.WorkloadReference
        var stamp: String?
        var rolledOut: Bool
        var progress: (updated: Int, desired: Int)
    }

    /// Explicit workloads in spec order, then (with `discover`) every other workload in the namespace whose pod
    /// template references the Secret, by kind and name. Workloads that do not exist are not consumers, nor are
    /// explicit ones that neither reference the Secret nor consent (``KeywardAnnotations/allowRollout``): whoever
    /// may create a SecretRotation must not be able to restart any workload of the namespace every interval.
    /// Those are returned in `refused`.
    func consumers(of rotation: SecretRotation) async throws -> (consumers: [Consumer], refused: [String]) {
        let namespace = rotation.metadata.namespace ?? "default"
        let spec = rotation.spec
        let annotation = KeywardAnnotations.podTemplateRevision(secretName: spec.secretName)
        var found: [String: Consumer] = [:]
        var discovered: [Consumer] = []
        var refused: [String] = []
        let rotationName = rotation.metadata.name

        func add(_ workload: some Workload, kind: SecretRotation.WorkloadKind, discoveredHere: Bool) {
            let reference = SecretRotation.WorkloadReference(kind: kind, name: workload.metadata.name)
            guard discoveredHere || workload.template.referencedSecretNames.contains(spec.secretName)
                || AdoptionConsent.allowsRollout(workload.metadata, byRotation: rotationName)
            else {
                if !refused.contains(reference.description) { refused.append(reference.description) }
                return
            }
            let consumer = Consumer(reference: reference, stamp: workload.template.metadata?.annotations?[annotation],
                                    rolledOut: workload.isRolledOut, progress: workload.rolloutProgress)
            guard found[reference.description] == nil else { return }
            found[reference.description] = consumer
            if discoveredHere { discovered.append(consumer) }
        }

        for reference in spec.consumers.workloads {
            switch reference.kind {
            case .deployment:
                if let w = try await store.get(Deployment.self, namespace: namespace, name: reference.name) {
                    add(w, kind: .deployment, discoveredHere: false)
                }
            case .statefulSet:
                if let w = try await store.get(StatefulSet.self, namespace: namespace, name: reference.name) {
                    add(w, kind: .statefulSet, discoveredHere: false)
                }
            case .daemonSet:
                if let w = try await store.get(DaemonSet.self, namespace: namespace, name: reference.name) {
                    add(w, kind: .daemonSet, discoveredHere: false)
                }
            default: break
            }
        }
        if spec.consumers.discover {
            let uses = { (t: PodTemplate) in t.referencedSecretNames.contains(spec.secretName) }
            for w in try await store.list(Deployment.self, namespace: namespace).sorted(by: byName) where uses(w.template) {
                add(w, kind: .deployment, discoveredHere: true)
            }
            for w in try await store.list(StatefulSet.self, namespace: namespace).sorted(by: byName) where uses(w.template) {
                add(w, kind: .statefulSet, discoveredHere: true)
            }
            for w in try await store.list(DaemonSet.self, namespace: namespace).sorted(by: byName) where uses(w.template) {
                add(w, kind: .daemonSet, discoveredHere: true)
            }
        }
        let explicit = spec.consumers.workloads.compactMap { found[$0.description] }
        return (explicit + discovered.filter { d in !explicit.contains { $0.reference == d.reference } }, refused)
    }

    /// Sets the revision stamp on the named consumers (`Kind/name`), which starts their rollouts.
    func stamp(_ ids: [String], with stamp: String, rotation: SecretRotation) async throws {
        let namespace = rotation.metadata.namespace ?? "default"
        let key = KeywardAnnotations.podTemplateRevision(secretName: rotation.spec.secretName)
        for id in ids {
            let parts = id.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch SecretRotation.WorkloadKind(rawValue: parts[0]) {
            case .deployment:
                try await patcher.setPodTemplateAnnotation(Deployment.self, namespace: namespace, name: parts[1],
                                                           key: key, value: stamp)
            case .statefulSet:
                try await patcher.setPodTemplateAnnotation(StatefulSet.self, namespace: namespace, name: parts[1],
                                                           key: key, value: stamp)
            case .daemonSet:
                try await patcher.setPodTemplateAnnotation(DaemonSet.self, namespace: namespace, name: parts[1],
                                                           key: key, value: stamp)
            default: continue
            }
        }
    }

    private func byName<T: KubernetesResource>(_ a: T, _ b: T) -> Bool { a.metadata.name < b.metadata.name }
}
