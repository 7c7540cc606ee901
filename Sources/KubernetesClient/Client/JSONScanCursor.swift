import Foundation

/// An object key as it stands in the line, matched against the few keys the scan reads.
struct JSONScanKey {
    let bytes: UnsafeRawBufferPointer

    static func ~= (pattern: StaticString, key: JSONScanKey) -> Bool {
        pattern.utf8CodeUnitCount == key.bytes.count
            && memcmp(pattern.utf8Start, key.bytes.baseAddress!, key.bytes.count) == 0
    }

    static func == (key: JSONScanKey, name: StaticString) -> Bool { name ~= key }
}

/// A read position in JSON bytes, and the few forms the scans read or pass over, without recursion: nesting of any
/// depth is passed over by counting brackets.
struct JSONScanCursor {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    var atEnd: Bool { index == bytes.count }

    mutating func skipSpace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D {
            index += 1
        }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// A string of printable ASCII without escapes (names, versions, event types), else nil.
    mutating func plainString() -> String? {
        plainBytes().map { String(decoding: $0, as: UTF8.self) }
    }

    /// The bytes between the quotes of a string of printable ASCII without escapes, else nil.
    mutating func plainBytes() -> UnsafeRawBufferPointer? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return UnsafeRawBufferPointer(rebasing: bytes[start..<(index - 1)])
            }
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\") else { return nil }
            index += 1
        }
        return nil
    }

    /// Passes over a string, escapes included.
    mutating func skipString() -> Bool {
        guard consume(UInt8(ascii: "\"")) else { return false }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\\") {
                index += 1
            } else if byte == UInt8(ascii: "\"") {
                return true
            }
        }
        return false
    }

    /// Passes over any value: a string, a nested object or array (brackets counted outside strings), or a
    /// number or literal.
    mutating func skipValue() -> Bool {
        skipSpace()
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    guard skipString() else { return false }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return true
                    }
                default:
                    break
                }
                index += 1
            }
            return false
        default:
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || byte <= 0x20 { break }
                index += 1
            }
            return index > start
        }
    }

    /// Each member of an object: `member` reads or skips the value of `key` and says whether it could. Keys are
    /// compared as bytes, so passing over a member allocates nothing.
    mutating func object(_ member: (inout JSONScanCursor, JSONScanKey) -> Bool) -> Bool {
        guard consume(UInt8(ascii: "{")) else { return false }
        if consume(UInt8(ascii: "}")) { return true }
        while true {
            guard let key = plainBytes().map(JSONScanKey.init), consume(UInt8(ascii: ":")), member(&self, key) else { return false }
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}"))
        }
    }

    /// The `metadata` identity fields of the event's object; nil when one is repeated or not a plain string.
    mutating func objectMetadata() -> (namespace: String?, name: String?, resourceVersion: String?)? {
        var found: (namespace: String?, name: String?, resourceVersion: String?)?
        let read = object { cursor, key in
            guard key == "metadata" else { return cursor.skipValue() }
            guard found == nil else { return false }
            var fields: (namespace: String?, name: String?, resourceVersion: String?) = (nil, nil, nil)
            let complete = cursor.object { cursor, key in
                switch key {
                case "namespace":
                    guard fields.namespace == nil else { return false }
                    fields.namespace = cursor.plainString()
                    return fields.namespace != nil
                case "name":
                    guard fields.name == nil else { return false }
                    fields.name = cursor.plainString()
                    return fields.name != nil
                case "resourceVersion":
                    guard fields.resourceVersion == nil else { return false }
                    fields.resourceVersion = cursor.plainString()
                    return fields.resourceVersion != nil
                default:
                    return cursor.skipValue()
                }
            }
            found = fields
            return complete
        }
        return read ? found : nil
    }
}
