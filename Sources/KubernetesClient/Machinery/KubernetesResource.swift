import Foundation

/// A Kubernetes resource type: where it lives in the API and how it is addressed.
///
/// Models do not store `apiVersion`/`kind`: the client stamps them on every request body from these statics, and
/// core list items legitimately arrive without them.
public protocol KubernetesResource: Codable, Sendable {
    /// API group; empty for the core group.
    static var group: String { get }
    static var version: String { get }
    static var kind: String { get }
    /// Lower-case plural used in URLs (`certificates`).
    static var plural: String { get }
    static var isNamespaced: Bool { get }
    var metadata: ObjectMeta { get set }
}

extension KubernetesResource {
    /// `group/version`, or just `version` for the core group.
    public static var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// `plural.group` (or the plural alone for core), as RBAC and kubectl name it.
    public static var qualifiedPlural: String { group.isEmpty ? plural : "\(plural).\(group)" }
}

/// A resource with a `/status` subresource: status is written only through ``KubernetesClient/updateStatus(_:)``.
public protocol HasStatusSubresource: KubernetesResource {
    associatedtype Status: Codable & Sendable
    var status: Status? { get set }
    /// Applies `transform` to every human-readable message in the status (condition messages, last errors), so a
    /// store can scrub key material from them before they are written.
    mutating func transformStatusMessages(_ transform: (String) -> String)
}

extension HasStatusSubresource {
    /// For a resource whose status carries no messages: nothing to transform.
    public mutating func transformStatusMessages(_ transform: (String) -> String) {}
}

/// A list response.
public struct ObjectList<Item: KubernetesResource>: Decodable, Sendable {
    public var metadata: ListMeta
    public var items: [Item]
    /// Items the server sent that could not be read (see ``UnreadableItem``): left out of `items`.
    public var unreadable: [UnreadableItem] = []

    public init(metadata: ListMeta = ListMeta(), items: [Item]) {
        self.metadata = metadata
        self.items = items
    }

    enum CodingKeys: String, CodingKey { case metadata, items }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try c.decodeIfPresent(ListMeta.self, forKey: .metadata) ?? ListMeta()
        // A real server sends `items: null` for an empty list of some types.
        items = try c.decodeIfPresent([Item].self, forKey: .items) ?? []
    }
}

/// An object in a list or watch that could not be decoded: who it is, as far as a scan of its bytes tells, and why.
public struct UnreadableItem: Sendable, Hashable, CustomStringConvertible {
    public var namespace: String?
    /// Nil when even the name could not be read.
    public var name: String?
    public var reason: String

    public init(namespace: String?, name: String?, reason: String) {
        self.namespace = namespace
        self.name = name
        self.reason = reason
    }

    public var description: String {
        let who = name.map { name in namespace.map { "\($0)/\(name)" } ?? name } ?? "an object whose name could not be read"
        return "\(who): \(reason)"
    }
}

public struct ListMeta: Codable, Sendable, Hashable {
    public var resourceVersion: String?
    public var `continue`: String?
    public var remainingItemCount: Int64?
    public init(resourceVersion: String? = nil, continue: String? = nil) {
        self.resourceVersion = resourceVersion
        self.continue = `continue`
    }
}

/// Where a request is scoped.
public enum NamespaceSelector: Sendable, Hashable {
    case namespace(String)
    case allNamespaces

    public var name: String? { if case .namespace(let n) = self { n } else { nil } }
}
