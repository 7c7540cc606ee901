import Foundation
import KeywardAPI
import KeywardCore
import KeywardTestSupport
import KubernetesClient
import Testing

/// `KubeJSON.decode` (parse once, walk the tree) replaced `JSONDecoder` for every Keyward object the controller and
/// standalone mode read. Every example and every fully set sample reads the same both ways, and so do random one-site
/// changes of them: accepted as the same object, or refused naming the same field.
@Suite struct KubeJSONDecodeTests {
    enum Outcome: Equatable {
        case value(JSONValue)
        case refused(field: String, corrupted: Bool)
    }

    static func outcome<T: Codable>(_ read: () throws -> T) -> Outcome {
        do { return .value(try kubeEncode(read())) } catch {
            let corrupted = if case .dataCorrupted = error as? DecodingError { true } else { false }
            return .refused(field: SpecViolation(decodingError: error).field, corrupted: corrupted)
        }
    }

    /// Equal, or the one documented difference: a number that does not fit its field is named there, where
    /// JSONDecoder reports the whole document as corrupted.
    static func agree(_ walked: Outcome, _ reference: Outcome) -> Bool {
        if walked == reference { return true }
        if case .refused(_, corrupted: true) = walked, reference == .refused(field: "(root)", corrupted: true) { return true }
        return false
    }

    static func bothWays<T: Codable>(_ type: T.Type, _ built: JSONValue) -> (walked: Outcome, reference: Outcome) {
        let bytes = built.serialized()
        guard let value = try? JSONValue.parse(bytes) else { return (.value(.null), .value(.null)) }
        return (outcome { try KubeJSON.decode(T.self, from: value) },
                outcome { try KubeJSON.makeDecoder().decode(T.self, from: Data(bytes)) })
    }

    static func check<T: Codable>(_ type: T.Type, _ document: JSONValue, mutations: Int, seed: UInt64) {
        let (walked, reference) = bothWays(type, document)
        #expect(walked == reference, "\(T.self) as given")
        if case .refused(let field, _) = walked { Issue.record("\(T.self) refused at \(field)") }
        var random = SplitMix64(seed: seed)
        for _ in 0..<mutations {
            let mutated = JSONMutations.mutate(document, using: &random)
            let (walked, reference) = bothWays(type, mutated)
            #expect(agree(walked, reference), "\(T.self): \(mutated.jsonString)")
        }
    }

    @Test func examplesReadTheSameBothWays() throws {
        var checked = 0
        for document in try exampleDocuments() where document.apiVersion == "keyward.dev/v1alpha1" {
            switch document.kind {
            case "Certificate": Self.check(Certificate.self, document.json, mutations: 20, seed: UInt64(checked))
            case "SecretRotation": Self.check(SecretRotation.self, document.json, mutations: 20, seed: UInt64(checked))
            case "Issuer": Self.check(IssuerResource.self, document.json, mutations: 20, seed: UInt64(checked))
            case "ClusterIssuer": Self.check(ClusterIssuerResource.self, document.json, mutations: 20, seed: UInt64(checked))
            default: continue
            }
            checked += 1
        }
        #expect(checked >= 5)
    }

    @Test func samplesWithEveryFieldSetReadTheSameBothWays() throws {
        Self.check(Certificate.self, try kubeEncode(Samples.certificate()), mutations: 400, seed: 1)
        Self.check(SecretRotation.self, try kubeEncode(Samples.rotation()), mutations: 400, seed: 2)
        Self.check(IssuerResource.self, try kubeEncode(Samples.issuer()), mutations: 200, seed: 3)
        Self.check(ClusterIssuerResource.self, try kubeEncode(Samples.clusterIssuer()), mutations: 200, seed: 4)
    }
}
