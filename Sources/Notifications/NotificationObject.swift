/// The object an alert is about: a Certificate or SecretRotation (`namespace` empty in standalone mode).
public struct NotificationObject: Sendable, Hashable, Codable, CustomStringConvertible {
    public var kind: String
    public var namespace: String
    public var name: String

    public init(kind: String, namespace: String?, name: String) {
        self.kind = kind
        self.namespace = namespace ?? ""
        self.name = name
    }

    public var description: String { namespace.isEmpty ? "\(kind)/\(name)" : "\(kind)/\(namespace)/\(name)" }
}
