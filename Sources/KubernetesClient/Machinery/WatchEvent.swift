import Foundation

/// One event of a watch stream. ERROR events never reach callers as values: the client turns them into thrown
/// ``KubernetesError``s (a 410 becomes ``KubernetesError/gone(_:)`` so the caller relists).
public enum WatchEvent<Object: KubernetesResource>: Sendable {
    case added(Object)
    case modified(Object)
    case deleted(Object)
    /// Progress marker: nothing changed up to `resourceVersion`.
    case bookmark(resourceVersion: String)
    /// An ADDED, MODIFIED or DELETED event whose object could not be decoded (nested past the parser's depth limit,
    /// or a shape the model refuses), told from a scan of its bytes: the object is no longer usable, and the watch
    /// goes on past it instead of failing on it for ever.
    case unreadable(UnreadableItem, resourceVersion: String)

    public var object: Object? {
        switch self {
        case .added(let o), .modified(let o), .deleted(let o): o
        case .bookmark, .unreadable: nil
        }
    }

    public var resourceVersion: String? {
        switch self {
        case .added(let o), .modified(let o), .deleted(let o): o.metadata.resourceVersion
        case .bookmark(let rv), .unreadable(_, let rv): rv
        }
    }
}

/// Wire form of a watch line, decoded lazily by type so a BOOKMARK or ERROR never has to parse as the object type.
struct WatchLine<Object: KubernetesResource>: Decodable {
    enum Decoded {
        case event(WatchEvent<Object>)
        case error(APIStatus)
    }

    let decoded: Decoded

    private enum CodingKeys: String, CodingKey { case type, object }
    private struct Bookmark: Decodable {
        struct Meta: Decodable { var resourceVersion: String? }
        var metadata: Meta?
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "ADDED": decoded = .event(.added(try c.decode(Object.self, forKey: .object)))
        case "MODIFIED": decoded = .event(.modified(try c.decode(Object.self, forKey: .object)))
        case "DELETED": decoded = .event(.deleted(try c.decode(Object.self, forKey: .object)))
        case "BOOKMARK":
            let bookmark = try c.decode(Bookmark.self, forKey: .object)
            decoded = .event(.bookmark(resourceVersion: bookmark.metadata?.resourceVersion ?? ""))
        case "ERROR": decoded = .error(try c.decode(APIStatus.self, forKey: .object))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown watch event type '\(type)'")
        }
    }
}
