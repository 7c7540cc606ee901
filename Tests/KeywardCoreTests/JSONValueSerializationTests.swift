import Foundation
import KeywardCore
import KeywardTestSupport
import Testing

/// `serialized()` writes bytes directly; what it writes must be exactly what JSONEncoder (sorted keys, slashes
/// unescaped) wrote before, since manifest hashes in standalone state are taken over it.
@Suite struct JSONValueSerializationTests {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    @Test func matchesJSONEncoderOnAwkwardValues() throws {
        let values: [JSONValue] = [
            .null, true, false, 0, -1, .int(Int64.max), .int(Int64.min), 1.5, 2.0, -0.25, 1e20, 1e-7, 123456789.125,
            "", "plain", "quote \" backslash \\ slash /", "\n\r\t\u{08}\u{0C}\u{00}\u{01}\u{1F}\u{7F}", "é ✓ 🙂 \u{2028}",
            ["b": 1, "a": [1, "x", nil], "B": ["nested": true], "é": "", "a1": 2, "_": .object([:])],
            .array([]),
        ]
        for value in values {
            #expect(value.serialized() == (try Self.encoder.encode(value)), "\(value)")
        }
    }

    @Test func matchesJSONEncoderOnRandomDocumentsAndParsesBack() throws {
        var random = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let value = Self.randomValue(depth: 0, &random)
            let bytes = value.serialized()
            #expect(bytes == (try Self.encoder.encode(value)))
            #expect(try JSONValue.parse(bytes) == value)
        }
    }

    static func randomValue(depth: Int, _ random: inout SplitMix64) -> JSONValue {
        switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .int(Int64.random(in: Int64.min...Int64.max, using: &random))
        case 3: return .double(Double(Int.random(in: -1_000_000...1_000_000, using: &random)) + 0.375)
        case 4: return .string(randomString(&random))
        case 5: return .array((0..<Int.random(in: 0..<4, using: &random)).map { _ in randomValue(depth: depth + 1, &random) })
        default:
            var object: JSONObject = [:]
            for _ in 0..<Int.random(in: 0..<5, using: &random) { object[randomString(&random)] = randomValue(depth: depth + 1, &random) }
            return .object(object)
        }
    }

    static func randomString(_ random: inout SplitMix64) -> String {
        let alphabet: [Character] = ["a", "Z", "0", "/", "\"", "\\", "\n", "\u{01}", "é", "✓", "🙂", " ", "-", "."]
        return String((0..<Int.random(in: 0..<8, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
    }
}
