import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import Testing

/// The repository root, found from this file's path so tests run from any working directory.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// One YAML document of an example file.
struct ExampleDocument: CustomStringConvertible {
    var file: String
    var index: Int
    var json: JSONValue
    var apiVersion: String { json["apiVersion"]?.stringValue ?? "" }
    var kind: String { json["kind"]?.stringValue ?? "" }
    var name: String { json["metadata"]?["name"]?.stringValue ?? "" }
    var description: String { "\(file)#\(index) \(kind)/\(name)" }
}

/// Every example manifest users copy: examples/** and manifests/examples/**.
func exampleFiles() throws -> [URL] {
    var files: [URL] = []
    for dir in ["examples", "manifests/examples"] {
        let root = repositoryRoot.appendingPathComponent(dir)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { continue }
        for case let url as URL in walker where ["yaml", "yml"].contains(url.pathExtension) { files.append(url) }
    }
    return files.sorted { $0.path < $1.path }
}

func exampleDocuments() throws -> [ExampleDocument] {
    var docs: [ExampleDocument] = []
    for url in try exampleFiles() {
        let text = try String(contentsOf: url, encoding: .utf8)
        let relative = String(url.path.dropFirst(repositoryRoot.path.count + 1))
        for (i, json) in try YAMLValue.documents(text).enumerated() {
            docs.append(ExampleDocument(file: relative, index: i, json: json))
        }
    }
    return docs
}

func keywardDocuments(kind: String) throws -> [ExampleDocument] {
    try exampleDocuments().filter { $0.apiVersion == "keyward.dev/v1alpha1" && $0.kind == kind }
}

/// Decodes with the coders every Keyward component uses (RFC 3339 dates).
func kubeDecode<T: Decodable>(_ type: T.Type, from json: JSONValue) throws -> T {
    try KubeJSON.makeDecoder().decode(T.self, from: json.serialized())
}

func kubeEncode(_ value: some Encodable) throws -> JSONValue {
    try JSONValue.parse(KubeJSON.makeEncoder().encode(value))
}

/// Loads a CRD from crds/ and returns (CRD, openAPIV3Schema of its only version).
func loadCRD(_ name: String) throws -> (crd: JSONValue, schema: JSONValue) {
    let text = try String(contentsOf: repositoryRoot.appendingPathComponent("crds/\(name).yaml"), encoding: .utf8)
    let crd = try YAMLValue.document(text)
    let version = try #require(crd["spec"]?["versions"]?.arrayValue?.first)
    let schema = try #require(version["schema"]?["openAPIV3Schema"])
    return (crd, schema)
}

/// A minimal valid Certificate spec the validation tables mutate.
func validCertificateSpec() -> Certificate.Spec {
    Certificate.Spec(secretName: "web-tls", issuer: .certificate("root-ca"), dnsNames: ["web.example.com"])
}

/// A minimal valid SecretRotation spec the validation tables mutate.
func validRotationSpec() -> SecretRotation.Spec {
    SecretRotation.Spec(secretName: "db-credentials",
                        keys: [SecretRotation.Key(name: "password", generator: .password())],
                        interval: "720h")
}
