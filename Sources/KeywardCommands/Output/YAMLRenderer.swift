import Foundation
import KeywardCore

/// Block-style YAML for `-o yaml` and `keyward convert`. A string is written plain only when it is a simple word that
/// YAML cannot read as anything else (no number, boolean, null or YAML syntax); otherwise it is a double-quoted JSON
/// string (valid YAML 1.2). Keys are sorted, Kubernetes' `apiVersion`, `kind`, `metadata`, `spec` first.
enum YAMLRenderer {
    static func render(_ value: JSONValue) -> String {
        var lines: [String] = []
        emit(value, indent: 0, into: &lines)
        return lines.joined(separator: "\n")
    }

    private static func emit(_ value: JSONValue, indent: Int, into lines: inout [String]) {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .object(let object) where !object.isEmpty:
            for key in object.keys.sorted(by: keyOrder) {
                let child = object[key] ?? .null
                if isBlock(child) {
                    lines.append("\(pad)\(scalar(.string(key))):")
                    emit(child, indent: indent + 2, into: &lines)
                } else {
                    lines.append("\(pad)\(scalar(.string(key))): \(scalar(child))")
                }
            }
        case .array(let array) where !array.isEmpty:
            for element in array {
                if isBlock(element) {
                    var nested: [String] = []
                    emit(element, indent: indent + 2, into: &nested)
                    // The first line of a nested block goes on the dash line.
                    if let first = nested.first {
                        lines.append("\(pad)- " + first.dropFirst(indent + 2))
                        lines += nested.dropFirst()
                    }
                } else {
                    lines.append("\(pad)- \(scalar(element))")
                }
            }
        default:
            lines.append(pad + scalar(value))
        }
    }

    /// JSON's `\/` is not a YAML escape: slashes stay as they are.
    private static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    private static let leadingKeys = ["apiVersion", "kind", "metadata", "name", "namespace", "spec"]

    private static func keyOrder(_ a: String, _ b: String) -> Bool {
        let (rankA, rankB) = (leadingKeys.firstIndex(of: a) ?? leadingKeys.count, leadingKeys.firstIndex(of: b) ?? leadingKeys.count)
        return rankA != rankB ? rankA < rankB : a < b
    }

    /// Words YAML 1.1 or 1.2 would read as booleans or null.
    private static let reservedWords: Set<String> = ["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"]

    private static func isPlain(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.properties.isAlphabetic, first.isASCII,
              !reservedWords.contains(text.lowercased()) else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._/-".unicodeScalars.contains($0)) }
    }

    private static func isBlock(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let object): !object.isEmpty
        case .array(let array): !array.isEmpty
        default: false
        }
    }

    private static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .string(let text) where isPlain(text): text
        case .string(let text):
            (try? String(decoding: jsonEncoder.encode(text), as: UTF8.self)) ?? "\"\""
        case .object: "{}"
        case .array: "[]"
        }
    }
}
