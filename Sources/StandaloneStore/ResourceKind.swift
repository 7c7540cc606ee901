import KeywardAPI
import KubernetesClient
import KubernetesResources

/// A resource type the file store can hold, named the way its state folder is (`plural.group`).
public struct ResourceKind: Sendable, Hashable, CustomStringConvertible {
    public var apiVersion: String
    public var kind: String
    public var qualifiedPlural: String
    public var isNamespaced: Bool

    public init<T: KubernetesResource>(_ type: T.Type) {
        apiVersion = T.apiVersion
        kind = T.kind
        qualifiedPlural = T.qualifiedPlural
        isNamespaced = T.isNamespaced
    }

    public var description: String { qualifiedPlural }

    /// The kinds a manifest folder may declare: Keyward's resources plus the Secrets and ConfigMaps they may refer to.
    public static let manifestKinds: [ResourceKind] = [
        ResourceKind(Certificate.self), ResourceKind(SecretRotation.self), ResourceKind(IssuerResource.self),
        ResourceKind(ClusterIssuerResource.self), ResourceKind(Secret.self), ResourceKind(ConfigMap.self),
    ]

    static func forManifest(apiVersion: String, kind: String) -> ResourceKind? {
        manifestKinds.first { $0.apiVersion == apiVersion && $0.kind == kind }
    }
}

/// Where one object lives in the store.
public struct StoredObjectKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var resource: String
    public var namespace: String?
    public var name: String

    public init(resource: String, namespace: String?, name: String) {
        self.resource = resource
        self.namespace = namespace
        self.name = name
    }

    public var description: String { "\(resource) \(namespace.map { "\($0)/" } ?? "")\(name)" }

    public static func < (a: Self, b: Self) -> Bool {
        (a.resource, a.namespace ?? "", a.name) < (b.resource, b.namespace ?? "", b.name)
    }
}
