import Foundation

/// One reason a spec cannot be acted on, pointing at the field the user wrote.
///
/// `field` uses the Kubernetes field-path form (`spec.privateKey.size`, `spec.dnsNames[2]`) so it reads the same as
/// an API server's 422 causes. Reasons quote names and settings, never secret values.
public struct SpecViolation: Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }

    /// A violation for an object that could not even be decoded (a standalone manifest with a wrong type, say):
    /// the field is the decoder's coding path below `root`.
    public init(decodingError error: any Error, root: String = "") {
        func path(_ keys: [any CodingKey]) -> String {
            var text = root
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" }
                else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text.isEmpty ? "(root)" : text
        }
        switch error as? DecodingError {
        case .typeMismatch(let type, let context):
            self.init(field: path(context.codingPath), reason: "expected \(Self.jsonTypeName(type))")
        case .valueNotFound(let type, let context):
            self.init(field: path(context.codingPath), reason: "expected \(Self.jsonTypeName(type)), found null")
        case .keyNotFound(let key, let context):
            self.init(field: path(context.codingPath + [key]), reason: "required")
        case .dataCorrupted(let context):
            self.init(field: path(context.codingPath), reason: context.debugDescription)
        case .none:
            self.init(field: root.isEmpty ? "(root)" : root, reason: "\(error)")
        @unknown default:
            self.init(field: root.isEmpty ? "(root)" : root, reason: "\(error)")
        }
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt16.Type: "an integer"
        case is Double.Type: "a number"
        default:
            String(describing: type).hasPrefix("Array") ? "a list" : "an object"
        }
    }
}

extension Array where Element == SpecViolation {
    /// A one-line summary for a condition message: the first violation, plus how many more there are.
    public var summary: String {
        guard let first else { return "" }
        return count == 1 ? first.description : "\(first.description) (and \(count - 1) more)"
    }
}

/// Collects violations while walking a spec; keeps validation code linear.
struct ViolationCollector {
    private(set) var violations: [SpecViolation] = []

    mutating func add(_ field: String, _ reason: String) {
        violations.append(SpecViolation(field: field, reason: reason))
    }

    /// Adds a violation when `problem` is non-nil.
    mutating func check(_ field: String, _ problem: String?) {
        if let problem { add(field, problem) }
    }
}
