import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import StandaloneStore

/// A file in the standalone manifest directory (`keyward run`): YAML documents, aliases, lists; each manifest
/// decoded as the Keyward resource it claims to be and validated.
enum ManifestTarget {
    static func run(_ input: FuzzInput) {
        guard let manifests = try? ManifestDirectory.parse(input.text, file: "fuzz.yaml") else { return }
        let decoder = KubeJSON.makeDecoder()
        for manifest in manifests {
            let json = manifest.object.serialized()
            switch manifest.object["kind"]?.stringValue {
            case "Certificate": _ = (try? decoder.decode(Certificate.self, from: json))?.validate()
            case "SecretRotation": _ = (try? decoder.decode(SecretRotation.self, from: json))?.validate()
            default: break
            }
        }
    }
}
