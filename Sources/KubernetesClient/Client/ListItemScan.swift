import Foundation

/// A list response taken apart item by item, without parsing: the envelope (the response with `items` emptied) and
/// each item's bytes.
///
/// One object nobody can read must not cost the controller every other object of its kind. The API server accepts
/// custom resources nested 10,000 levels deep and fields of any shape under `x-kubernetes-preserve-unknown-fields`,
/// while the parser stops at ``JSONParser``'s depth limit and the models refuse some shapes: read as one document,
/// such an object fails the whole list, and the informer retries that list forever. Read item by item, it fails
/// alone.
struct ListItemScan {
    /// The response with `"items": []`: the list's own metadata.
    var envelope: [UInt8]
    /// Where each item's JSON is in the response.
    var items: [Range<Int>]

    /// Nil when the bytes are not an object with an `items` array the scan can pass over.
    static func scan(_ bytes: UnsafeRawBufferPointer) -> ListItemScan? {
        var cursor = JSONScanCursor(bytes: bytes)
        var items: [Range<Int>] = []
        var array: Range<Int>?
        let complete = cursor.object { cursor, key in
            guard key == "items" else { return cursor.skipValue() }
            guard array == nil else { return false }
            cursor.skipSpace()
            let start = cursor.index
            guard cursor.consume(UInt8(ascii: "[")) else { return false }
            if !cursor.consume(UInt8(ascii: "]")) {
                while true {
                    cursor.skipSpace()
                    let itemStart = cursor.index
                    guard cursor.skipValue() else { return false }
                    items.append(itemStart..<cursor.index)
                    if cursor.consume(UInt8(ascii: ",")) { continue }
                    guard cursor.consume(UInt8(ascii: "]")) else { return false }
                    break
                }
            }
            array = start..<cursor.index
            return true
        }
        cursor.skipSpace()
        guard complete, cursor.atEnd, let array else { return nil }
        let envelope = Array(bytes[..<array.lowerBound]) + Array("[]".utf8) + Array(bytes[array.upperBound...])
        return ListItemScan(envelope: envelope, items: items)
    }

    /// The `metadata` namespace and name of the item at `range`, when the scan can read them.
    static func identity(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> (namespace: String?, name: String)? {
        var cursor = JSONScanCursor(bytes: UnsafeRawBufferPointer(rebasing: bytes[range]))
        guard let metadata = cursor.objectMetadata(), let name = metadata.name else { return nil }
        return (metadata.namespace, name)
    }
}
