import KubernetesClient

/// `clusterissuers.keyward.dev` (kind `ClusterIssuer`): a cluster-scoped signer any namespace's Certificates
/// reference with `spec.issuer.issuerRef: {kind: ClusterIssuer, name}`. A `ca` ClusterIssuer's Secret lives in the
/// controller's `--cluster-resource-namespace`.
public struct ClusterIssuerResource: IssuerObject {
    public static let group = KeywardAPIGroup.name
    public static let version = KeywardAPIGroup.version
    public static let kind = "ClusterIssuer"
    public static let plural = "clusterissuers"
    public static let singular = "clusterissuer"
    public static let isNamespaced = false
    public static let shortNames = ["kwclusterissuer", "kwclusterissuers"]
    public static let categories = [KeywardAPIGroup.category]

    public var metadata: ObjectMeta
    public var spec: IssuerSpec
    public var status: IssuerStatus?

    public init(metadata: ObjectMeta, spec: IssuerSpec, status: IssuerStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}
