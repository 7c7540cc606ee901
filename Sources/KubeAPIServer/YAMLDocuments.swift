import Foundation
import KeywardCore
import Yams

/// YAML → JSONValue for CRD files and `application/apply-patch+yaml` bodies, with the same YAML 1.2 core-schema
/// scalar rules the Go YAML decoder uses (quoted scalars stay strings).
enum YAMLDocuments {
    struct Failure: Error, Sendable, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    /// Limits against alias bombs: a request body or CRD file never expands past this many nodes.
    static let maximumNodes = 1_000_000

    /// Every non-empty document of a `---` separated stream.
    static func parse(_ text: String) throws(Failure) -> [JSONValue] {
        do {
            var result: [JSONValue] = []
            // The sequence swallows parse errors into `error`; a truncated document must not read as "no documents".
            var documents = try Yams.compose_all(yaml: text)
            while let node = documents.next() {
                var budget = maximumNodes
                let value = try convert(node, budget: &budget)
                if value != .null { result.append(value) }
            }
            if let error = documents.error { throw error }
            return result
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure(reason: "\(error)")
        }
    }

    private static func convert(_ node: Node, budget: inout Int) throws -> JSONValue {
        budget -= 1
        guard budget >= 0 else { throw Failure(reason: "document expands to more than \(maximumNodes) nodes") }
        switch node {
        case .scalar(let scalar):
            return scalarValue(scalar)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for child in sequence { items.append(try convert(child, budget: &budget)) }
            return .array(items)
        case .mapping(let mapping):
            var object: JSONObject = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else { throw Failure(reason: "mapping keys must be scalars") }
                object[keyScalar.string] = try convert(value, budget: &budget)
            }
            return .object(object)
        case .alias:
            throw Failure(reason: "unresolved alias")
        }
    }

    private static func scalarValue(_ scalar: Node.Scalar) -> JSONValue {
        scalar.style == .plain ? JSONValue(plainYAMLScalar: scalar.string) : .string(scalar.string)
    }
}
