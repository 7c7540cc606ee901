import Foundation
import KeywardCore
import KubernetesClient
import Testing

// Bad-input corpus for the YAML reader every kubeconfig and standalone manifest goes through (issue 8): alias bombs,
// complex keys, huge and deeply nested documents. Each row must end quickly in a YAMLValue.Error saying why, never
// in a hang, a crash or memory exhaustion, and never echoing the text.

/// `levels` levels of nine aliases over nine scalars: 9^levels scalars once expanded, from a few hundred bytes.
func yamlAliasBomb(levels: Int = 9, use: String = "boom: *l\(8)") -> String {
    var lines = ["l0: &l0 [\(Array(repeating: "lol", count: 9).joined(separator: ", "))]"]
    for level in 1..<max(levels, 1) {
        lines.append("l\(level): &l\(level) [\(Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", "))]")
    }
    lines.append(use)
    return lines.joined(separator: "\n") + "\n"
}

struct YAMLCorpusCase: CustomTestStringConvertible, Sendable {
    var name: String
    var text: @Sendable () -> String
    /// What the error's reason must say.
    var expected: String
    var testDescription: String { name }
}

private let plantedSecret = "yaml-corpus-SENSITIVE-91f2"

let yamlCorpus: [YAMLCorpusCase] = [
    .init(name: "billion laughs in a value", text: { yamlAliasBomb() }, expected: "more than 1000000 nodes"),
    // As keys, these used to be hashed node by node while the tree was composed (minutes of CPU) before any limit.
    .init(name: "billion laughs as an explicit mapping key", text: { yamlAliasBomb(use: "? *l8\n: boom") },
          expected: "more than 1000000 nodes"),
    .init(name: "billion laughs as an implicit mapping key", text: { yamlAliasBomb(use: "*l8 : boom") },
          expected: "more than 1000000 nodes"),
    .init(name: "bombs spread over 30 documents, each under the limit",
          text: { Array(repeating: yamlAliasBomb(levels: 6, use: "end: 0"), count: 30).joined(separator: "---\n") },
          expected: "more than 1000000 nodes"),
    .init(name: "an alias of a sequence as a key", text: { "s: &s [1, 2]\n*s : x\n" }, expected: "mapping keys must be scalars"),
    .init(name: "a flat sequence of 1.1 million numbers",
          text: { "[" + String(repeating: "0,", count: 1_100_000) + "0]\n" }, expected: "more than 1000000 nodes"),
    .init(name: "one byte over the size limit", text: { "a: " + String(repeating: "x", count: YAMLValue.maximumBytes) },
          expected: "bytes; the limit is \(YAMLValue.maximumBytes)"),
    .init(name: "10,000 nested flow sequences", text: { String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) },
          expected: "nesting level"),
    .init(name: "1,500 nested block mappings",
          text: { (0..<1_500).map { String(repeating: " ", count: $0) + "a:" }.joined(separator: "\n") + " 1\n" },
          expected: "nesting level"),
    .init(name: "a flow sequence as a key", text: { "[a, b]: c\n" }, expected: "mapping keys must be scalars"),
    .init(name: "a flow mapping as a key", text: { "{ {a: 1}: 2 }\n" }, expected: "mapping keys must be scalars"),
    .init(name: "an undefined alias", text: { "a: *nowhere\n" }, expected: "alias *nowhere refers to no anchor"),
    .init(name: "an alias inside its own anchor", text: { "a: &self [1, *self]\n" }, expected: "alias *self refers to no anchor"),
    .init(name: "an anchor from an earlier document", text: { "a: &x 1\n---\nb: *x\n" }, expected: "alias *x refers to no anchor"),
    .init(name: "a duplicate key", text: { "password: a\npassword: \(plantedSecret)\n" }, expected: "line 2: duplicate mapping key \"password\""),
    .init(name: "an unterminated quote", text: { "token: \"\(plantedSecret)\nnext: 1\n" }, expected: "not valid YAML: line"),
    .init(name: "a control character", text: { "token: \(plantedSecret)\u{7}\n" }, expected: "not valid YAML: byte"),
    .init(name: "a tab as indentation", text: { "a:\n\tb: \(plantedSecret)\n" }, expected: "not valid YAML: line 2"),
]

@Suite("YAML reader bad-input corpus", .timeLimit(.minutes(2)))
struct YAMLValueCorpusTests {
    @Test("each hostile YAML stream ends in a clear error, never a hang or a crash, and never echoes the text",
          arguments: yamlCorpus)
    func hostile(_ row: YAMLCorpusCase) {
        let error = #expect(throws: YAMLValue.Error.self) { try YAMLValue.documents(row.text()) }
        let reason = error?.reason ?? ""
        #expect(reason.contains(row.expected), "\(reason)")
        #expect(!reason.contains(plantedSecret) && reason.count < 300, "\(reason)")
    }

    @Test("what the reader does accept: core-schema scalars, quoted strings, !!str, anchors within budget, scalar alias keys")
    func accepted() throws {
        let value = try YAMLValue.document("""
            int: 123
            quoted: '123'
            tagged: !!str 123
            float: 1.5
            yes: true
            nothing: ~
            empty:
            1: one-key
            base: &base {x: 1, list: [a, b]}
            copy: *base
            name: &name shared
            *name : via-alias-key
            """)
        #expect(value["int"] == .int(123))
        #expect(value["quoted"] == .string("123"))
        #expect(value["tagged"] == .string("123"))
        #expect(value["float"] == .double(1.5))
        #expect(value["yes"] == .bool(true))
        #expect(value["nothing"] == .null && value["empty"] == .null)
        #expect(value["1"] == .string("one-key"))
        #expect(value["copy"] == value["base"] && value["copy"]?["list"] == ["a", "b"])
        #expect(value["shared"] == .string("via-alias-key"))
        // Empty documents are dropped; each document keeps its own anchors.
        let stream = try YAMLValue.documents("---\na: &x 1\nb: *x\n---\n---\n- &x 2\n- *x\n")
        #expect(stream == [["a": 1, "b": 1], [2, 2]])
        #expect(try YAMLValue.documents("") == [] && YAMLValue.documents("# only a comment\n") == [])
    }

    @Test("a bomb just under the budget still parses, and its expansion is bounded by the budget")
    func budgetBoundary() throws {
        // l0…l5 expand to about 673,000 nodes: under one million, so accepted.
        let value = try YAMLValue.document(yamlAliasBomb(levels: 6, use: "end: 0"))
        #expect(value["l5"]?.arrayValue?.count == 9)
        #expect(value["l5"]?.arrayValue?.first?.arrayValue?.first?.arrayValue?.count == 9)
    }
}
