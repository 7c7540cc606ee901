import KubernetesClient

/// What `Issuer` (namespaced) and `ClusterIssuer` (cluster-scoped) share: the spec, the status, and where a `ca`
/// issuer's Secret lives. The issuer controller and the Certificate controller work on this, not on either kind.
public protocol IssuerObject: HasStatusSubresource, Hashable where Status == IssuerStatus {
    var spec: IssuerSpec { get set }
}

extension IssuerObject {
    /// The namespace of the issuer's Secrets: its own for an Issuer, `clusterResourceNamespace` for a ClusterIssuer.
    public func secretNamespace(clusterResourceNamespace: String) -> String {
        Self.isNamespaced ? (metadata.namespace ?? "default") : clusterResourceNamespace
    }

    /// `Issuer/NAME` or `ClusterIssuer/NAME`, as status, events and the Secret's issuer annotation show it.
    public var displayName: String { "\(Self.kind)/\(metadata.name)" }

    public var isReady: Bool { status?.conditions.isTrue(IssuerConditionType.ready) == true }

    public func validate() -> [SpecViolation] { spec.validate() }

    /// Condition messages: built from error descriptions, so they pass the store's scrubber.
    public mutating func transformStatusMessages(_ transform: (String) -> String) {
        guard var status else { return }
        for index in status.conditions.indices { status.conditions[index].message = transform(status.conditions[index].message) }
        self.status = status
    }
}
