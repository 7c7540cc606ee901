import Foundation
import KeywardCore
internal import CLibYAML

/// YAML → JSONValue with a size budget, so a hostile document (an alias "billion laughs" bomb, a huge file, a
/// mapping keyed by an expanding alias) fails with an error instead of exhausting memory or time.
///
/// Built on libyaml's event stream (the system library, through the CLibYAML module) rather than on a node tree:
/// composing a tree hashes every mapping key, and a key that is an alias of an alias bomb would be hashed node by
/// node (minutes of CPU) before any budget could apply. Here a non-scalar key is refused at its first event, an alias costs its anchor's
/// node count without being walked, and errors name a line and column but never echo the input (a kubeconfig line
/// holds tokens and keys).
public enum YAMLValue {
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// Largest accepted input, and most nodes a whole stream may expand to (an alias counts all of its anchor's
    /// nodes every time it is used). libyaml itself refuses nesting deeper than 1000 levels.
    public static let maximumBytes = 8 << 20
    public static let maximumNodes = 1_000_000

    /// Parses every document of a YAML stream (`---` separated); empty documents are dropped.
    public static func documents(_ text: String) throws(Error) -> [JSONValue] {
        let size = text.utf8.count
        guard size <= maximumBytes else {
            throw Error(reason: "document is \(size) bytes; the limit is \(maximumBytes)")
        }
        guard size > 0 else { return [] }
        let bytes = Array(text.utf8)
        do {
            return try bytes.withUnsafeBufferPointer { buffer in
                var composer = Composer()
                return try composer.compose(buffer)
            }
        } catch let error as Error {
            throw error
        } catch {
            throw Error(reason: "not valid YAML: \(error)")
        }
    }

    public static func document(_ text: String) throws(Error) -> JSONValue {
        try documents(text).first ?? .null
    }

    // MARK: Composing

    /// One node's value, how many nodes it expands to, and its text when it is a scalar (mapping keys use it).
    private struct Composed {
        var value: JSONValue
        var nodes: Int
        var scalarText: String?
    }

    /// A collection still being read.
    private struct Frame {
        var isMapping: Bool
        var anchor: String?
        var items: [JSONValue] = []
        var object: JSONObject = [:]
        /// Mappings: the key read, waiting for its value.
        var key: String?
        var nodes = 1
    }

    private struct Composer {
        var stack: [Frame] = []
        var anchors: [String: Composed] = [:]
        var budget = YAMLValue.maximumNodes
        var root: JSONValue?
        var documents: [JSONValue] = []

        mutating func compose(_ input: UnsafeBufferPointer<UInt8>) throws -> [JSONValue] {
            // On the heap, at one address for the parser's whole life: libyaml keeps a pointer to the parser inside
            // it (the string reader's handler data), which a Swift `var` moved between calls would leave dangling.
            let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
            parser.initialize(to: yaml_parser_t())
            defer { parser.deallocate() }
            guard yaml_parser_initialize(parser) == 1 else { throw Error(reason: "cannot start the YAML parser") }
            defer { yaml_parser_delete(parser) }
            yaml_parser_set_input_string(parser, input.baseAddress, input.count)
            let event = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)
            defer { event.deallocate() }
            while true {
                event.initialize(to: yaml_event_t())
                guard yaml_parser_parse(parser, event) == 1 else { throw Self.parserError(parser.pointee) }
                defer { yaml_event_delete(event) }
                let event = event.pointee
                let line = event.start_mark.line + 1
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return documents
                case YAML_DOCUMENT_START_EVENT:
                    anchors = [:]  // anchors are scoped to their document
                    root = nil
                case YAML_DOCUMENT_END_EVENT:
                    if let root, root != .null { documents.append(root) }
                    root = nil
                case YAML_SCALAR_EVENT:
                    try spend(1, line: line)
                    let scalar = event.data.scalar
                    let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length),
                                      as: UTF8.self)
                    let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE && Self.string(scalar.tag) != "tag:yaml.org,2002:str"
                    let composed = Composed(value: plain ? JSONValue(plainYAMLScalar: text) : .string(text), nodes: 1, scalarText: text)
                    if let anchor = Self.string(scalar.anchor) { anchors[anchor] = composed }
                    try add(composed, line: line)
                case YAML_ALIAS_EVENT:
                    let name = Self.string(event.data.alias.anchor) ?? ""
                    guard let target = anchors[name] else {
                        throw Error(reason: "line \(line): alias *\(name) refers to no anchor defined before it")
                    }
                    try spend(target.nodes, line: line)
                    try add(target, line: line)
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    if let parent = stack.last, parent.isMapping, parent.key == nil {
                        throw Error(reason: "line \(line): mapping keys must be scalars")
                    }
                    try spend(1, line: line)
                    let isMapping = event.type == YAML_MAPPING_START_EVENT
                    let anchor = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
                    stack.append(Frame(isMapping: isMapping, anchor: Self.string(anchor)))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    let frame = stack.removeLast()
                    let composed = Composed(value: frame.isMapping ? .object(frame.object) : .array(frame.items),
                                            nodes: frame.nodes, scalarText: nil)
                    if let anchor = frame.anchor { anchors[anchor] = composed }
                    try add(composed, line: line)
                default:
                    break  // stream start, and libyaml's empty event
                }
            }
        }

        private mutating func spend(_ nodes: Int, line: Int) throws {
            budget -= nodes
            guard budget >= 0 else {
                throw Error(reason: "line \(line): the YAML expands to more than \(YAMLValue.maximumNodes) nodes (alias bomb?)")
            }
        }

        /// Hands a finished node to the collection it belongs to (or makes it the document).
        private mutating func add(_ node: Composed, line: Int) throws {
            guard !stack.isEmpty else {
                root = node.value
                return
            }
            stack[stack.count - 1].nodes += node.nodes
            if !stack[stack.count - 1].isMapping {
                stack[stack.count - 1].items.append(node.value)
                return
            }
            guard let key = stack[stack.count - 1].key else {
                // An alias of a collection in key position.
                guard let text = node.scalarText else { throw Error(reason: "line \(line): mapping keys must be scalars") }
                guard stack[stack.count - 1].object[text] == nil else {
                    throw Error(reason: "line \(line): duplicate mapping key \"\(text)\"")
                }
                stack[stack.count - 1].key = text
                return
            }
            stack[stack.count - 1].object[key] = node.value
            stack[stack.count - 1].key = nil
        }

        private static func string(_ pointer: UnsafeMutablePointer<UInt8>?) -> String? {
            pointer.map { String(cString: $0) }
        }

        /// Where and why libyaml stopped; never the text around it.
        private static func parserError(_ parser: yaml_parser_t) -> Error {
            let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
            if parser.error == YAML_READER_ERROR {
                return Error(reason: "not valid YAML: byte \(parser.problem_offset): \(problem)")
            }
            var reason = "not valid YAML: line \(parser.problem_mark.line + 1), column \(parser.problem_mark.column + 1): \(problem)"
            if let context = parser.context.map({ String(cString: $0) }) {
                reason += " (\(context) started at line \(parser.context_mark.line + 1))"
            }
            return Error(reason: reason)
        }
    }
}
