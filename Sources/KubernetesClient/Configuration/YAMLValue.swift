import Foundation
import KeywardCore
import Yams

/// YAML → JSONValue with a size budget, so a hostile document (an alias "billion laughs" bomb, a huge file) fails
/// with an error instead of exhausting memory.
public enum YAMLValue {
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// Largest accepted input, and most nodes one document may expand to (aliases count every time they are used).
    public static let maximumBytes = 8 << 20
    public static let maximumNodes = 1_000_000

    /// Parses every document of a YAML stream (`---` separated); empty documents are dropped.
    public static func documents(_ text: String) throws(Error) -> [JSONValue] {
        guard text.utf8.count <= maximumBytes else {
            throw Error(reason: "document is \(text.utf8.count) bytes; the limit is \(maximumBytes)")
        }
        do {
            var result: [JSONValue] = []
            // The parser directly: `compose_all`'s sequence ends quietly on a parse error instead of throwing.
            let parser = try Parser(yaml: text)
            while let node = try parser.nextRoot() {
                var budget = maximumNodes
                let value = try convert(node, budget: &budget)
                if value != .null { result.append(value) }
            }
            return result
        } catch let error as Error {
            throw error
        } catch {
            throw Error(reason: "not valid YAML: \(error)")
        }
    }

    public static func document(_ text: String) throws(Error) -> JSONValue {
        try documents(text).first ?? .null
    }

    private static func convert(_ node: Node, budget: inout Int) throws -> JSONValue {
        budget -= 1
        guard budget >= 0 else {
            throw Error(reason: "document expands to more than \(maximumNodes) nodes (alias bomb?)")
        }
        switch node {
        case .scalar(let scalar):
            return scalarValue(scalar)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            items.reserveCapacity(sequence.count)
            for child in sequence { items.append(try convert(child, budget: &budget)) }
            return .array(items)
        case .mapping(let mapping):
            var object: JSONObject = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else { throw Error(reason: "mapping keys must be scalars") }
                object[keyScalar.string] = try convert(value, budget: &budget)
            }
            return .object(object)
        case .alias:
            throw Error(reason: "unresolved alias")
        }
    }

    /// YAML 1.2 core-schema resolution for plain scalars; quoted scalars stay strings.
    private static func scalarValue(_ scalar: Node.Scalar) -> JSONValue {
        let s = scalar.string
        guard scalar.style == .plain else { return .string(s) }
        switch s {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let i = Int64(s) { return .int(i) }
        if s.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true, let d = Double(s),
            !s.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" })
        {
            return .double(d)
        }
        return .string(s)
    }
}
