/// The Service in front of the controllers' challenge listeners (`--acme-http01-service`, the chart's
/// `<release>-acme-http01` on port 8089) that the solver's Ingresses and HTTPRoutes send the challenge path to.
public struct HTTP01ServiceBackend: Sendable, Hashable {
    public var name: String
    /// The Service's own namespace; an HTTPRoute in another namespace names it (a ReferenceGrant there allows it).
    public var namespace: String?
    public var port: Int

    public init(name: String, namespace: String? = nil, port: Int = 8089) {
        self.name = name
        self.namespace = namespace
        self.port = port
    }
}
