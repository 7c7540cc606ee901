import ArgumentParser
import Foundation
import KeywardCore
import KubernetesClient

/// `-o text|json|yaml` for the commands scripts read. JSON and YAML carry the same facts as the text.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json, yaml

    /// `value` as this format (not for `.text`, which each command renders itself): sorted keys, RFC 3339 dates.
    func render<T: Encodable>(_ value: T) throws -> String {
        let encoder = KubeJSON.makeEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        switch self {
        case .json, .text:
            return String(decoding: data, as: UTF8.self)
        case .yaml:
            let json = try JSONDecoder().decode(JSONValue.self, from: data)
            return YAMLRenderer.render(json)
        }
    }
}
