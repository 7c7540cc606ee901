import Synchronization

/// The versions this process wrote itself, by object, so a watch passes over their echoes without decoding them.
///
/// A controller's own write comes back from the server as the stored object, which its cache keeps at once; the same
/// version then arrives on the watch, changes nothing, and costs a full typed decode (for a Secret or a Certificate
/// status write, two of the three watch events each issuance causes). A watch given this filter reads such a line's
/// type, name and resourceVersion from the parsed tree and reports it as a bookmark of that version instead.
///
/// An entry is used once: its echo removes it, and any other event for the object (a later version, or an echo that
/// came before the write returned) drops it too. Past ``capacity`` entries (echoes that never came, after a relist)
/// the filter forgets everything, which only means decoding those echoes again.
public final class WatchEchoFilter: Sendable {
    public static let capacity = 65_536
    private let versions = Mutex<[String: String]>([:])

    public init() {}

    /// `resourceVersion` of the object is one this process wrote and already holds.
    public func expect(namespace: String?, name: String, resourceVersion: String) {
        guard !resourceVersion.isEmpty else { return }
        versions.withLock { versions in
            if versions.count >= Self.capacity { versions.removeAll(keepingCapacity: true) }
            versions[Self.key(namespace, name)] = resourceVersion
        }
    }

    /// Whether this event is the echo of an expected write (and forgets the expectation either way).
    func isEcho(namespace: String?, name: String, resourceVersion: String) -> Bool {
        versions.withLock { versions in
            versions.removeValue(forKey: Self.key(namespace, name)) == resourceVersion
        }
    }

    /// Expected echoes not seen yet.
    public var count: Int { versions.withLock { $0.count } }

    private static func key(_ namespace: String?, _ name: String) -> String { "\(namespace ?? "")/\(name)" }
}
