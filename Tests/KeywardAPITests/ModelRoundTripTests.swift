import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import Testing

@Suite("Example round trips")
struct ModelRoundTripTests {
    @Test("the examples contain every resource the docs promise")
    func examplesExist() throws {
        let names = try exampleDocuments().map(\.description)
        for expected in ["examples/quickstart.yaml#0 Namespace/keyward-demo",
                         "examples/quickstart.yaml#1 Certificate/demo-root-ca",
                         "examples/quickstart.yaml#2 Certificate/demo-web",
                         "examples/quickstart.yaml#3 SecretRotation/demo-db-password"] {
            #expect(names.contains(expected), "missing \(expected) in \(names)")
        }
        let standalone = try exampleDocuments().filter { $0.file.hasPrefix("examples/standalone/") }
        #expect(standalone.filter { $0.kind == "Certificate" }.count == 2)
        #expect(standalone.filter { $0.kind == "SecretRotation" }.count == 1)
        #expect(standalone.allSatisfy { $0.json["metadata"]?["namespace"] == nil }, "standalone uses the default namespace")
        let consumers = try exampleDocuments().filter { $0.file == "manifests/examples/secretrotation-with-consumers.yaml" }
        #expect(Set(consumers.map(\.kind)).isSuperset(of: ["SecretRotation", "Deployment"]))
    }

    @Test("every example Certificate decodes, encodes and decodes to an equal value")
    func certificatesRoundTrip() throws {
        let docs = try keywardDocuments(kind: "Certificate")
        #expect(docs.count >= 4)
        for doc in docs {
            let first = try kubeDecode(Certificate.self, from: doc.json)
            let encoded = try kubeEncode(first)
            let second = try kubeDecode(Certificate.self, from: encoded)
            #expect(first == second, "\(doc)")
            #expect(first.metadata.name == doc.name)
            // Every field the example sets survives (the encoding only adds defaults).
            try expectSubset(doc.json["spec"]!, of: encoded["spec"]!, path: "\(doc) spec")
        }
    }

    @Test("every example SecretRotation decodes, encodes and decodes to an equal value")
    func rotationsRoundTrip() throws {
        let docs = try keywardDocuments(kind: "SecretRotation")
        #expect(docs.count >= 3)
        for doc in docs {
            let first = try kubeDecode(SecretRotation.self, from: doc.json)
            let encoded = try kubeEncode(first)
            let second = try kubeDecode(SecretRotation.self, from: encoded)
            #expect(first == second, "\(doc)")
            try expectSubset(doc.json["spec"]!, of: encoded["spec"]!, path: "\(doc) spec")
        }
    }

    @Test("a fully populated status survives the Kubernetes JSON coders")
    func statusRoundTrip() throws {
        let cert = Samples.certificate()
        #expect(try kubeDecode(Certificate.self, from: kubeEncode(cert)) == cert)
        let rotation = Samples.rotation()
        #expect(try kubeDecode(SecretRotation.self, from: kubeEncode(rotation)) == rotation)
    }

    /// Every value in `subset` appears at the same place in `superset`.
    private func expectSubset(_ subset: JSONValue, of superset: JSONValue, path: String) throws {
        switch (subset, superset) {
        case (.object(let a), .object(let b)):
            for (key, value) in a {
                let other = try #require(b[key], "\(path).\(key) was dropped by the model")
                try expectSubset(value, of: other, path: "\(path).\(key)")
            }
        case (.array(let a), .array(let b)):
            #expect(a.count == b.count, "\(path) changed length")
            for (i, (x, y)) in zip(a, b).enumerated() { try expectSubset(x, of: y, path: "\(path)[\(i)]") }
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)):
            #expect(Double(a) == b, "\(path)")
        default:
            #expect(subset == superset, "\(path): \(subset) became \(superset)")
        }
    }
}
