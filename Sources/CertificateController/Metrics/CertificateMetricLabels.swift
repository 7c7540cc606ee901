/// The labels every per-Certificate series carries.
public struct CertificateMetricLabels: Sendable, Hashable {
    public var name: String
    public var namespace: String
    /// The issuer reference as users write it (`ClusterIssuer/root-ca`, `ca-issuer`).
    public var issuer: String

    public init(name: String, namespace: String, issuer: String) {
        self.name = name
        self.namespace = namespace
        self.issuer = issuer
    }

    var pairs: [(String, String)] { [("name", name), ("namespace", namespace), ("issuer", issuer)] }

    /// The values of ``pairs``, in the same order (the label names of the per-object families).
    var values: [String] { [name, namespace, issuer] }
}
