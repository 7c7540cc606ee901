import ControllerRuntime
import Foundation
import KeywardCore
import KubernetesClient
import KubernetesResources

/// Sets an annotation on a workload's pod template: what `kubectl rollout restart` does, and what rolls a consumer
/// onto a new Secret revision.
public protocol WorkloadPatcher: Sendable {
    func setPodTemplateAnnotation<W: Workload>(_ type: W.Type, namespace: String, name: String, key: String,
                                               value: String) async throws
}

/// Patches through the API when the store is a ``KubernetesStore`` (a merge patch touches only the annotation and
/// cannot conflict with the workload controller's status writes); with any other store it reads and writes the
/// workload as raw JSON, so nothing the workload models leave out (selector, strategy, …) is dropped.
public struct StoreWorkloadPatcher: WorkloadPatcher {
    let store: any ResourceStore

    public init(store: any ResourceStore) { self.store = store }

    public func setPodTemplateAnnotation<W: Workload>(_ type: W.Type, namespace: String, name: String, key: String,
                                                      value: String) async throws {
        if let kubernetes = store as? KubernetesStore {
            let patch: JSONValue = ["spec": ["template": ["metadata": ["annotations": [key: .string(value)]]]]]
            do {
                _ = try await kubernetes.client.patch(W.self, name: name, namespace: namespace, patch: .merge(patch))
            } catch let error as KubernetesError where error.isNotFound {
                return  // gone: nothing to roll
            }
            return
        }
        guard var workload = try await store.get(RawWorkload<W>.self, namespace: namespace, name: name) else { return }
        var annotations = workload.spec[path: ["template", "metadata", "annotations"]]?.objectValue ?? [:]
        annotations[key] = .string(value)
        var spec = workload.spec.objectValue ?? [:]
        var template = spec["template"]?.objectValue ?? [:]
        var metadata = template["metadata"]?.objectValue ?? [:]
        metadata["annotations"] = .object(annotations)
        template["metadata"] = .object(metadata)
        spec["template"] = .object(template)
        workload.spec = .object(spec)
        _ = try await store.update(workload)
    }
}

/// A workload read and written whole, as JSON, under the type and plural of `W`.
struct RawWorkload<W: Workload>: KubernetesResource {
    static var group: String { W.group }
    static var version: String { W.version }
    static var kind: String { W.kind }
    static var plural: String { W.plural }
    static var isNamespaced: Bool { W.isNamespaced }

    var metadata: ObjectMeta
    var spec: JSONValue
    var status: JSONValue?
}
