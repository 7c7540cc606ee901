import KubernetesClient

/// `issuers.keyward.dev` (kind `Issuer`): a signer that Certificates in the same namespace reference with
/// `spec.issuer.issuerRef: {kind: Issuer, name}`. Named `IssuerResource` in Swift because `KeywardPKI.Issuer` is the
/// signing primitive.
public struct IssuerResource: IssuerObject {
    public static let group = KeywardAPIGroup.name
    public static let version = KeywardAPIGroup.version
    public static let kind = "Issuer"
    public static let plural = "issuers"
    public static let singular = "issuer"
    public static let isNamespaced = true
    /// cert-manager owns `issuer`, so Keyward's short names are prefixed.
    public static let shortNames = ["kwissuer", "kwissuers"]
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
