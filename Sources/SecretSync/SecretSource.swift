import Foundation

/// Where the syncer learns about the Secret. The Kubernetes watch is one implementation; tests and other stores
/// can provide their own.
public protocol SecretSource: Sendable {
    /// Updates in order, starting with the current state. Repeats are allowed (the syncer ignores unchanged
    /// content). The stream ends when the source is done; cancelling the consuming task stops it.
    func updates() -> AsyncStream<SecretUpdate>
}

/// One observation of the Secret.
public enum SecretUpdate: Sendable, Hashable {
    case present(SecretSnapshot)
    /// The Secret does not exist (yet, or any more). Files already written are kept: the consumer goes on serving
    /// the last good certificate rather than losing it.
    case absent
    /// The source could not observe the Secret for a while (API server unreachable, RBAC); it keeps retrying.
    case interrupted(reason: String)
}

/// A Secret's contents at one resourceVersion. `description` shows key names and sizes, never values.
public struct SecretSnapshot: Sendable, Hashable, CustomStringConvertible {
    public var type: String
    public var data: [String: Data]
    public var resourceVersion: String?

    public init(type: String = "Opaque", data: [String: Data], resourceVersion: String? = nil) {
        self.type = type
        self.data = data
        self.resourceVersion = resourceVersion
    }

    public var description: String {
        let keys = data.keys.sorted().map { "\($0) (\(data[$0]!.count) bytes)" }.joined(separator: ", ")
        return "SecretSnapshot(\(type), resourceVersion \(resourceVersion ?? "-"), keys: \(keys))"
    }
}
