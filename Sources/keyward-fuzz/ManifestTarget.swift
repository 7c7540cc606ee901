import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import StandaloneStore

/// A file in the standalone manifest directory (`keyward run`): YAML documents, aliases, lists; each manifest
/// decoded as the Keyward resource it claims to be and validated. The decoding is differential: `KubeJSON.decode`
/// (the tree walk every object goes through) must accept exactly what `JSONDecoder` accepts, as the same value, and
/// refuse the rest naming the same field.
enum ManifestTarget {
    static func run(_ input: FuzzInput) {
        guard let manifests = try? ManifestDirectory.parse(input.text, file: "fuzz.yaml") else { return }
        for manifest in manifests where nodes(manifest.object, limit: maximumDecodedNodes) <= maximumDecodedNodes {
            switch manifest.object["kind"]?.stringValue {
            case "Certificate": _ = decodeBothWays(Certificate.self, manifest.object)?.validate()
            case "SecretRotation": _ = decodeBothWays(SecretRotation.self, manifest.object)?.validate()
            default: break
            }
        }
    }

    /// An alias expansion the YAML reader accepts (up to a million nodes, its own bound, fuzzed by reaching it) is
    /// not decoded here: decoding is linear in it and unit-tested at that size, while here (twice, and encoded twice
    /// to compare) it took 5 s of the 10 s each input may take under AddressSanitizer.
    static let maximumDecodedNodes = 20_000

    /// Nodes in `value`, counted up to just past `limit`.
    private static func nodes(_ value: JSONValue, limit: Int) -> Int {
        var count = 0
        var pending = [value]
        while let next = pending.popLast(), count <= limit {
            count += 1
            switch next {
            case .array(let items): pending.append(contentsOf: items)
            case .object(let fields): pending.append(contentsOf: fields.values)
            default: break
            }
        }
        return count
    }

    private static func decodeBothWays<T: Codable>(_ type: T.Type, _ object: JSONValue) -> T? {
        let walked = Result { try KubeJSON.decode(T.self, from: object) }
        let reference = Result { try KubeJSON.makeDecoder().decode(T.self, from: object.serialized()) }
        switch (walked, reference) {
        case (.success(let a), .success(let b)):
            let encoder = KubeJSON.makeEncoder()
            guard (try? encoder.encode(a)) == (try? encoder.encode(b)) else { fatalError("KubeJSON.decode read a different \(T.self)") }
            return a
        case (.failure(let a), .failure(let b)):
            let (x, y) = (SpecViolation(decodingError: a), SpecViolation(decodingError: b))
            // The one documented difference: a number that does not fit is named at its field, not at the root.
            let moreSpecific = isCorrupted(a) && isCorrupted(b) && y.field == "(root)"
            guard x.field == y.field || moreSpecific else { fatalError("KubeJSON.decode refused at \(x.field), JSONDecoder at \(y.field)") }
            return nil
        default:
            fatalError("KubeJSON.decode and JSONDecoder disagree on whether a \(T.self) decodes")
        }
    }

    private static func isCorrupted(_ error: any Error) -> Bool {
        if case .dataCorrupted = error as? DecodingError { true } else { false }
    }
}
