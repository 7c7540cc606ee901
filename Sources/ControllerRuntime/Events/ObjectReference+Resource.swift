import Foundation
import KubernetesClient
import KubernetesResources

extension Event.ObjectReference {
    /// A reference to `object` for an Event's `involvedObject`.
    public init<T: KubernetesResource>(_ object: T) {
        self.init(apiVersion: T.apiVersion, kind: T.kind, name: object.metadata.name,
                  namespace: object.metadata.namespace, uid: object.metadata.uid)
    }
}
