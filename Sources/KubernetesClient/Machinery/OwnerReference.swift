import Foundation

/// metav1.OwnerReference: ties a dependent to its owner for garbage collection.
public struct OwnerReference: Codable, Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    public var name: String
    public var uid: String
    public var controller: Bool?
    public var blockOwnerDeletion: Bool?

    public init(apiVersion: String, kind: String, name: String, uid: String, controller: Bool? = true,
                blockOwnerDeletion: Bool? = true) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
        self.blockOwnerDeletion = blockOwnerDeletion
    }

    /// A controller reference to `owner`.
    public init<Owner: KubernetesResource>(controlledBy owner: Owner) {
        self.init(apiVersion: Owner.apiVersion, kind: Owner.kind, name: owner.metadata.name,
                  uid: owner.metadata.uid ?? "")
    }
}
