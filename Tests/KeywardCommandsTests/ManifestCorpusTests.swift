#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import KeywardCommands
import KeywardCore
import KeywardTestSupport
import KubernetesClient
import StandaloneStore
import Testing

// Bad-input corpus for standalone manifests (issue 8): hostile YAML (alias bombs, huge and deeply nested documents)
// and malformed objects. Every row must be refused quickly with a StandaloneStoreError naming the file and what is
// wrong, and a run that meets one must leave the state folder exactly as it was.

private let plantedValue = "manifest-corpus-SENSITIVE-5e0b"

private func certificate(_ metadata: String = "metadata: {name: web}") -> String {
    """
    apiVersion: keyward.dev/v1alpha1
    kind: Certificate
    \(metadata)
    spec: {secretName: web-tls, issuer: {selfSigned: {}}, commonName: web.example.com}

    """
}

/// Nine levels of nine aliases over nine scalars: 9^9 scalars once expanded, from a few hundred bytes.
private func yamlAliasBomb(use: String = "boom: *l8") -> String {
    var lines = ["l0: &l0 [\(Array(repeating: "lol", count: 9).joined(separator: ", "))]"]
    for level in 1...8 {
        lines.append("l\(level): &l\(level) [\(Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", "))]")
    }
    lines.append(use)
    return lines.joined(separator: "\n") + "\n"
}

struct ManifestCorpusCase: CustomTestStringConvertible, Sendable {
    var name: String
    var text: @Sendable () -> String
    /// What the error must say after naming the file.
    var expected: String
    var testDescription: String { name }
}

let manifestCorpus: [ManifestCorpusCase] = [
    // Hostile YAML.
    .init(name: "billion-laughs alias bomb", text: { certificate() + "---\n" + yamlAliasBomb() }, expected: "more than 1000000 nodes"),
    .init(name: "alias bomb as a mapping key", text: { yamlAliasBomb(use: "? *l8\n: boom") }, expected: "more than 1000000 nodes"),
    .init(name: "a document over the byte limit",
          text: { certificate() + "---\n" + "data: " + String(repeating: "A", count: YAMLValue.maximumBytes) + "\n" },
          expected: "the limit is \(YAMLValue.maximumBytes)"),
    .init(name: "10,000 nested flow sequences", text: { "items: " + String(repeating: "[", count: 10_000) }, expected: "nesting level"),
    .init(name: "a flow mapping as a key", text: { "{ {apiVersion: v1}: x }\n" }, expected: "mapping keys must be scalars"),
    .init(name: "a duplicate key", text: { certificate("metadata: {name: web}\nmetadata: {name: other}") },
          expected: "duplicate mapping key \"metadata\""),
    .init(name: "broken YAML around a Secret value",
          text: { "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  password: \"\(plantedValue)\n" },
          expected: "not valid YAML: line"),
    .init(name: "a valid document, then a broken one", text: { certificate() + "---\nkind: [\n" }, expected: "not valid YAML: line"),
    // Documents that are not objects Keyward runs.
    .init(name: "a list document", text: { "- apiVersion: v1\n- kind: Secret\n" }, expected: "(document): must be a mapping, found array"),
    .init(name: "a scalar document", text: { "just words\n" }, expected: "(document): must be a mapping, found string"),
    .init(name: "a List with a non-object item", text: { "apiVersion: v1\nkind: List\nitems: [5]\n" },
          expected: "(document): must be a mapping, found integer"),
    .init(name: "no apiVersion", text: { "kind: Certificate\nmetadata: {name: web}\n" }, expected: "apiVersion: required"),
    .init(name: "no kind", text: { "apiVersion: keyward.dev/v1alpha1\nmetadata: {name: web}\n" }, expected: "kind: required"),
    .init(name: "kind is a list", text: { "apiVersion: v1\nkind: [Secret]\nmetadata: {name: x}\n" }, expected: "kind: required"),
    .init(name: "no metadata", text: { "apiVersion: v1\nkind: Secret\n" }, expected: "metadata: required"),
    .init(name: "metadata is a string", text: { "apiVersion: v1\nkind: Secret\nmetadata: db\n" }, expected: "metadata: required"),
    .init(name: "no metadata.name", text: { certificate("metadata: {namespace: default}") }, expected: "metadata.name: required"),
    .init(name: "metadata.name is a number", text: { certificate("metadata: {name: 42}") }, expected: "metadata.name: required"),
    .init(name: "an unsupported kind", text: { "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\n" },
          expected: "kind \"Deployment\" (apiVersion \"apps/v1\") is not supported"),
    .init(name: "the same object twice", text: { certificate() + "---\n" + certificate() }, expected: "is declared more than once"),
    // Names that would become paths outside --state or --out (issue 14): only what the API server accepts.
    .init(name: "metadata.name climbing out of the state folder", text: { certificate("metadata: {name: ../../escape}") },
          expected: "metadata.name: \"../../escape\" is not a valid name"),
    .init(name: "metadata.name with a slash", text: { certificate("metadata: {name: a/b}") },
          expected: "metadata.name: \"a/b\" is not a valid name"),
    .init(name: "metadata.name ..", text: { certificate("metadata: {name: ..}") }, expected: "metadata.name: \"..\" is not a valid name"),
    .init(name: "metadata.name in upper case", text: { certificate("metadata: {name: Web}") },
          expected: "metadata.name: \"Web\" is not a valid name"),
    .init(name: "metadata.name of 254 characters", text: { certificate("metadata: {name: \(String(repeating: "a", count: 254))}") },
          expected: "metadata.name: must be no more than 253 characters"),
    .init(name: "metadata.namespace climbing out", text: { certificate("metadata: {name: web, namespace: ../other}") },
          expected: "metadata.namespace: \"../other\" is not a valid namespace"),
    .init(name: "metadata.namespace with a dot", text: { certificate("metadata: {name: web, namespace: team.a}") },
          expected: "metadata.namespace: \"team.a\" is not a valid namespace"),
    .init(name: "metadata.namespace is a list", text: { certificate("metadata: {name: web, namespace: [a]}") },
          expected: "metadata.namespace: must be a string, found array"),
]

@Suite("Standalone manifest bad-input corpus", .timeLimit(.minutes(2)))
struct ManifestCorpusTests {
    @Test("each hostile or malformed manifest is refused naming the file and the problem, without echoing values",
          arguments: manifestCorpus)
    func refused(_ row: ManifestCorpusCase) throws {
        let directory = try TemporaryDirectory(prefix: "keyward-manifest-corpus")
        let file = try directory.write("hostile.yaml", row.text())
        let error = #expect(throws: StandaloneStoreError.self) { try ManifestDirectory.load(directory.url.path) }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains(file), "names the file: \(message.prefix(300))")
        #expect(message.contains(row.expected), "\(message.prefix(300)) should say \(row.expected)")
        #expect(!message.contains(plantedValue) && message.count < 500, "\(message.prefix(300))")
    }

    /// The size check must judge what is read: a link to a huge (sparse) file, or a FIFO that would block the read.
    @Test("a manifest that is a link to a huge file, or a FIFO, is refused without being read")
    func linksAndFIFOsAreRefused() throws {
        let directory = try TemporaryDirectory(prefix: "keyward-manifest-corpus")
        let huge = directory.path("huge.bin")
        #expect(FileManager.default.createFile(atPath: huge, contents: nil))
        #expect(truncate(huge, 8 * 1024 * 1024 * 1024) == 0)
        let manifests = directory.path("manifests")
        try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: manifests + "/big.yaml", withDestinationPath: huge)
        var error = #expect(throws: StandaloneStoreError.self) { try ManifestDirectory.load(manifests) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("the limit is \(YAMLValue.maximumBytes)"))
        try FileManager.default.removeItem(atPath: manifests + "/big.yaml")
        #expect(mkfifo(manifests + "/pipe.yaml", 0o644) == 0)
        error = #expect(throws: StandaloneStoreError.self) { try ManifestDirectory.load(manifests) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("not a regular file"))
    }

    @Test("a hostile manifest added next to good ones stops the run before anything is written: the state is untouched")
    func stateUntouched() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-manifest-corpus")
        let manifests = directory.path("manifests")
        try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
        let examples = ExternalTool.repositoryRoot.appendingPathComponent("examples/standalone")
        for file in try FileManager.default.contentsOfDirectory(atPath: examples.path) where file.hasSuffix(".yaml") {
            try FileManager.default.copyItem(atPath: examples.appendingPathComponent(file).path, toPath: "\(manifests)/\(file)")
        }
        func runner() throws -> StandaloneRunner {
            try Standalone.makeRunner(manifests: manifests, state: directory.path("state"), out: directory.path("out"),
                                      clock: SystemClock())
        }
        let outcomes = try await runner().runOnce()
        #expect(!outcomes.isEmpty && outcomes.allSatisfy { $0.error == nil }, "\(outcomes)")
        let state = try snapshot(directory.path("state"))
        let out = try snapshot(directory.path("out"))
        #expect(!state.isEmpty && !out.isEmpty)

        for (index, row) in manifestCorpus.enumerated() {
            let hostile = "\(manifests)/zz-hostile-\(index).yaml"
            try row.text().write(toFile: hostile, atomically: true, encoding: .utf8)
            let next = try runner()
            await #expect { _ = try await next.runOnce() } throws: { "\($0)".contains(hostile) }
            #expect(await next.store.writeCount == 0, "\(row.name)")
            try FileManager.default.removeItem(atPath: hostile)
        }
        #expect(try snapshot(directory.path("state")) == state, "the state folder changed")
        #expect(try snapshot(directory.path("out")) == out, "the output files changed")
    }

    /// Every regular file below `root`: contents and modification time, by relative path.
    private func snapshot(_ root: String) throws -> [String: String] {
        var files: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            let path = "\(root)/\(relative)"
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            files[relative] = "\(data.base64EncodedString()) @\(modified)"
        }
        return files
    }
}
