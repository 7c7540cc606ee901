import Foundation
import KeywardCore

/// A parsed `labelSelector`: comma-separated requirements that must all hold (`=`, `==`, `!=`, `in`, `notin`,
/// `key`, `!key`, `>`, `<`).
struct LabelSelector: Sendable, Equatable {
    enum Operator: Sendable, Equatable { case equals, notEquals, `in`, notIn, exists, doesNotExist, greaterThan, lessThan }

    struct Requirement: Sendable, Equatable {
        var key: String
        var op: Operator
        var values: [String]

        func matches(_ labels: [String: String]) -> Bool {
            let value = labels[key]
            switch op {
            case .equals, .in: return value.map(values.contains) ?? false
            case .notEquals, .notIn: return value.map { !values.contains($0) } ?? true
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            case .greaterThan, .lessThan:
                guard let v = value.flatMap({ Int64($0) }), let bound = values.first.flatMap({ Int64($0) }) else { return false }
                return op == .greaterThan ? v > bound : v < bound
            }
        }
    }

    var requirements: [Requirement]

    static let everything = LabelSelector(requirements: [])

    func matches(_ labels: [String: String]) -> Bool { requirements.allSatisfy { $0.matches(labels) } }

    struct ParseError: Error { var message: String }

    init(requirements: [Requirement]) { self.requirements = requirements }

    init(parsing text: String) throws(ParseError) {
        var requirements: [Requirement] = []
        for part in Self.splitTopLevel(text) {
            let s = part.trimmingCharacters(in: .whitespaces)
            if s.isEmpty { continue }
            requirements.append(try Self.requirement(s))
        }
        self.requirements = requirements
    }

    private static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for c in text {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if c == "," && depth == 0 { parts.append(current); current = ""; continue }
            current.append(c)
        }
        parts.append(current)
        return parts
    }

    private static func requirement(_ s: String) throws(ParseError) -> Requirement {
        if s.hasPrefix("!") {
            let key = s.dropFirst().trimmingCharacters(in: .whitespaces)
            try checkKey(key)
            return Requirement(key: key, op: .doesNotExist, values: [])
        }
        for (token, op) in [("!=", Operator.notEquals), ("==", .equals), ("=", .equals), (">", .greaterThan), ("<", .lessThan)] {
            if let range = s.range(of: token) {
                let key = s[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                let value = s[range.upperBound...].trimmingCharacters(in: .whitespaces)
                try checkKey(key)
                try checkValue(value)
                if op == .greaterThan || op == .lessThan, Int64(value) == nil {
                    throw ParseError(message: "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer")
                }
                return Requirement(key: key, op: op, values: [value])
            }
        }
        let words = s.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        if words.count == 2 {
            let key = String(words[0])
            let rest = words[1].trimmingCharacters(in: .whitespaces)
            for (keyword, op) in [("notin", Operator.notIn), ("in", .in)] where rest.hasPrefix(keyword) {
                let list = rest.dropFirst(keyword.count).trimmingCharacters(in: .whitespaces)
                guard list.hasPrefix("("), list.hasSuffix(")") else {
                    throw ParseError(message: "unable to parse requirement: found '\(list)', expected: '('")
                }
                let values = list.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                try checkKey(key)
                for v in values { try checkValue(v) }
                if values.count == 1 && values[0].isEmpty && op == .in {
                    throw ParseError(message: "unable to parse requirement: for 'in', 'notin' operators, values set can't be empty")
                }
                return Requirement(key: key, op: op, values: values)
            }
            throw ParseError(message: "unable to parse requirement: found '\(rest)', expected: in, notin, =, ==, !=, gt, lt")
        }
        try checkKey(s)
        return Requirement(key: s, op: .exists, values: [])
    }

    private static func checkKey(_ key: String) throws(ParseError) {
        if let problem = ObjectMeta.qualifiedNameProblem(key) {
            throw ParseError(message: "unable to parse requirement: values[0][\(key)]: Invalid value: \"\(key)\": \(problem)")
        }
    }

    private static func checkValue(_ value: String) throws(ParseError) {
        if let problem = ObjectMeta.labelValueProblem(value) {
            throw ParseError(message: "unable to parse requirement: values[0][\(value)]: Invalid value: \"\(value)\": \(problem)")
        }
    }
}

/// A parsed `fieldSelector`: `field=value`, `field==value`, `field!=value`, comma = AND.
struct FieldSelector: Sendable, Equatable {
    struct Requirement: Sendable, Equatable {
        var field: String
        var value: String
        var negated: Bool
    }

    var requirements: [Requirement]

    static let everything = FieldSelector(requirements: [])

    init(requirements: [Requirement]) { self.requirements = requirements }

    struct ParseError: Error { var message: String }

    init(parsing text: String) throws(ParseError) {
        var requirements: [Requirement] = []
        for part in Self.split(text) where !part.trimmingCharacters(in: .whitespaces).isEmpty {
            let s = part
            var matched = false
            for (token, negated) in [("!=", true), ("==", false), ("=", false)] {
                if let range = s.range(of: token) {
                    let field = s[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                    let value = Self.unescape(String(s[range.upperBound...]))
                    requirements.append(Requirement(field: field, value: value, negated: negated))
                    matched = true
                    break
                }
            }
            if !matched { throw ParseError(message: "invalid selector: '\(text)'; can't understand '\(s)'") }
        }
        self.requirements = requirements
    }

    /// Splits on unescaped commas (values may contain `\,`).
    private static func split(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var escaped = false
        for c in text {
            if escaped { current.append("\\"); current.append(c); escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if c == "," { parts.append(current); current = ""; continue }
            current.append(c)
        }
        parts.append(current)
        return parts
    }

    private static func unescape(_ s: String) -> String {
        var out = ""
        var escaped = false
        for c in s {
            if escaped { out.append(c); escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            out.append(c)
        }
        return out
    }

    func matches(_ fields: [String: String]) -> Bool {
        requirements.allSatisfy { r in
            let v = fields[r.field] ?? ""
            return r.negated ? v != r.value : v == r.value
        }
    }
}
