import Foundation
import KeywardCore

/// The JSONPath subset `additionalPrinterColumns` and `selectableFields` use: `.a.b`, `.a[0]`, `.a[*].b`,
/// `['key.with.dots']`, and equality filters such as `.status.conditions[?(@.type=="Ready")].status`.
struct JSONPathExpression: Sendable, Equatable {
    enum Step: Sendable, Equatable {
        case field(String)
        case index(Int)
        case wildcard
        case filter(path: [String], equals: JSONValue, negated: Bool)
    }

    var steps: [Step]

    struct ParseError: Error { var message: String }

    init(_ text: String) throws(ParseError) {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        if s.hasPrefix("{") && s.hasSuffix("}") { s = s.dropFirst().dropLast() }
        if s.hasPrefix("$") { s = s.dropFirst() }
        var steps: [Step] = []
        while !s.isEmpty {
            if s.hasPrefix(".") {
                s = s.dropFirst()
                var name = ""
                while let c = s.first, c != "." && c != "[" {
                    if c == "\\", s.count > 1 { s = s.dropFirst(); name.append(s.first!); s = s.dropFirst(); continue }
                    name.append(c); s = s.dropFirst()
                }
                if name == "*" { steps.append(.wildcard) } else if !name.isEmpty { steps.append(.field(name)) }
            } else if s.hasPrefix("[") {
                guard let close = Self.matchingBracket(s) else { throw ParseError(message: "unterminated [ in \(text)") }
                let inner = s[s.index(after: s.startIndex)..<close].trimmingCharacters(in: .whitespaces)
                s = s[s.index(after: close)...]
                if inner == "*" {
                    steps.append(.wildcard)
                } else if let i = Int(inner) {
                    steps.append(.index(i))
                } else if (inner.hasPrefix("'") && inner.hasSuffix("'")) || (inner.hasPrefix("\"") && inner.hasSuffix("\"")), inner.count >= 2 {
                    steps.append(.field(String(inner.dropFirst().dropLast())))
                } else if inner.hasPrefix("?(") && inner.hasSuffix(")") {
                    steps.append(try Self.filter(String(inner.dropFirst(2).dropLast()), text))
                } else {
                    throw ParseError(message: "unsupported JSONPath segment [\(inner)] in \(text)")
                }
            } else {
                throw ParseError(message: "unexpected '\(s.first!)' in JSONPath \(text)")
            }
        }
        self.steps = steps
    }

    private static func matchingBracket(_ s: Substring) -> Substring.Index? {
        var depth = 0
        var quote: Character?
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if let q = quote { if c == q { quote = nil } } else if c == "'" || c == "\"" { quote = c } else if c == "[" {
                depth += 1
            } else if c == "]" {
                depth -= 1
                if depth == 0 { return i }
            }
            i = s.index(after: i)
        }
        return nil
    }

    private static func filter(_ body: String, _ text: String) throws(ParseError) -> Step {
        let negated = body.contains("!=")
        let parts = body.components(separatedBy: negated ? "!=" : "==")
        guard parts.count == 2 else { throw ParseError(message: "unsupported filter in \(text)") }
        let lhs = parts[0].trimmingCharacters(in: .whitespaces)
        let rhs = parts[1].trimmingCharacters(in: .whitespaces)
        guard lhs.hasPrefix("@") else { throw ParseError(message: "unsupported filter in \(text)") }
        let path = lhs.dropFirst().split(separator: ".").map(String.init)
        let value: JSONValue
        if (rhs.hasPrefix("\"") && rhs.hasSuffix("\"")) || (rhs.hasPrefix("'") && rhs.hasSuffix("'")), rhs.count >= 2 {
            value = .string(String(rhs.dropFirst().dropLast()))
        } else if let i = Int64(rhs) {
            value = .int(i)
        } else if rhs == "true" || rhs == "false" {
            value = .bool(rhs == "true")
        } else {
            throw ParseError(message: "unsupported filter value in \(text)")
        }
        return .filter(path: path, equals: value, negated: negated)
    }

    /// Every value the path reaches, in document order.
    func evaluate(_ root: JSONValue) -> [JSONValue] {
        var current: [JSONValue] = [root]
        for step in steps {
            var next: [JSONValue] = []
            for v in current {
                switch step {
                case .field(let name): if let c = v[name] { next.append(c) }
                case .index(let i):
                    if let a = v.arrayValue {
                        let idx = i < 0 ? a.count + i : i
                        if a.indices.contains(idx) { next.append(a[idx]) }
                    }
                case .wildcard:
                    if let a = v.arrayValue { next.append(contentsOf: a) } else if let o = v.objectValue {
                        next.append(contentsOf: o.keys.sorted().map { o[$0]! })
                    }
                case .filter(let path, let expected, let negated):
                    for item in v.arrayValue ?? [] {
                        guard let actual = item[path: path] else { continue }
                        if jsonEqual(actual, expected) != negated { next.append(item) }
                    }
                }
            }
            current = next
        }
        return current
    }
}
