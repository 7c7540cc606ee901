import Foundation
import KeywardCore

/// The event type and object identity (namespace, name, resourceVersion) of one watch line, read without building the
/// line's tree.
///
/// The echo check for this process's own writes runs on every watch event, and most events it sees are echoes. A full
/// parse of a Secret's 3 KB line only to learn that it is one was half of the watch's decoding cost (perf, issuance of
/// 10,000 Certificates); this scan passes over every other value without allocating.
///
/// It reads less strictly than the parser: it returns nil for anything it is not sure of (an escape or a non-ASCII
/// byte in a string it reads, one of its keys twice, a value of the wrong kind, a line that does not end where its
/// object does), and the caller then parses the line in full, so nil costs only time. Values it skips are not checked
/// for well-formedness; only an echo, which is dropped unread, is ever decided on a scan alone.
public struct WatchLineIdentity: Hashable, Sendable {
    public var type: String
    public var namespace: String?
    public var name: String
    public var resourceVersion: String

    public init(type: String, namespace: String?, name: String, resourceVersion: String) {
        self.type = type
        self.namespace = namespace
        self.name = name
        self.resourceVersion = resourceVersion
    }

    /// The identity a parsed line gives: what the scan must agree with (and the check for lines it gives up on).
    public init?(parsed line: JSONValue) {
        guard let type = line["type"]?.stringValue, let metadata = line["object"]?["metadata"],
              let name = metadata["name"]?.stringValue, let resourceVersion = metadata["resourceVersion"]?.stringValue
        else { return nil }
        self.init(type: type, namespace: metadata["namespace"]?.stringValue, name: name, resourceVersion: resourceVersion)
    }

    public static func scan(_ line: some DataProtocol) -> WatchLineIdentity? {
        if let identity = line.withContiguousStorageIfAvailable({ scan(UnsafeRawBufferPointer($0)) }) { return identity }
        return Array(line).withUnsafeBytes { scan($0) }
    }

    static func scan(_ bytes: UnsafeRawBufferPointer) -> WatchLineIdentity? {
        var cursor = JSONScanCursor(bytes: bytes)
        var type: String?
        var metadata: (namespace: String?, name: String?, resourceVersion: String?)?
        let complete = cursor.object { cursor, key in
            switch key {
            case "type":
                guard type == nil else { return false }
                type = cursor.plainString()
                return type != nil
            case "object":
                guard metadata == nil else { return false }
                metadata = cursor.objectMetadata()
                return metadata != nil
            default:
                return cursor.skipValue()
            }
        }
        cursor.skipSpace()
        guard complete, cursor.atEnd, let type, let metadata, let name = metadata.name,
              let resourceVersion = metadata.resourceVersion else { return nil }
        return WatchLineIdentity(type: type, namespace: metadata.namespace, name: name, resourceVersion: resourceVersion)
    }
}
