import Foundation
import KeywardCore
import KeywardTestSupport
import Testing

/// `JSONValue.parse` replaced a `JSONDecoder` round trip; stored state and API objects must read exactly as they did,
/// so every case is checked against that path (still reachable through `JSONValue`'s `Decodable` conformance).
@Suite struct JSONParserTests {
    /// The old path: nil where it refused the input.
    static func viaDecoder(_ bytes: [UInt8]) -> JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) }
    static func viaParser(_ bytes: [UInt8]) -> JSONValue? { try? JSONValue.parse(bytes) }

    static let awkward: [String] = [
        "1", "1.0", "1.5", "-0", "-0.0", "1e2", "1E+2", "1e-2", "1.0e0", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "-9223372036854775809", "1e400", "-1e400", "1e-400", "01", "-", "1.", ".5", "+1", "2.5e",
        "0.1", "123456789012345678901234567890", "1.7976931348623157e308", "4.9e-324", "100000000000000000000.0",
        "\"a\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\\ud83d\"", "\"\\ude00\"", "\"\\u0000\"", "\"a\tb\"", "\"\\x\"", "\"\\/\"",
        "{\"a\":1,\"a\":2}", "[1,]", "{\"a\":1,}", "[,]", "{,}", "[1,,]", " 1 ", "\u{FEFF}1", "[]", "{}", "true", "false",
        "null", "nul", "tru", "[1 2]", "{\"a\" 1}", "{1:2}", "\"\u{7F}\"", "1 2", "", "  ", "[[[[]]]]", "\"\\uD83D\\u0041\"",
        "\"\\u00\"", "-1.5e3", "1e19", "-1e19", "9007199254740993", "9007199254740993.0", "1.00000000000000001",
        "[true,false,null]", "{\"\":0}", "\"\\\\\"", "\"é\"", "NaN", "Infinity", "-Infinity", "1.0E+19", "12e-1", "120e-1",
        "0e0", "-0e0", "5713552211e9", "-926158072222222223.2", "926158072222222223.9", "1.5e1", "-9.223372036854775809e18", "1e99999999999999999999999", "1e-99999999999999999999", "0.0000e5", "1.000000000000000000000000000", "9223372036854775808.0", "-9223372036854775809.0", "9.2e18", "-9.3e18", "0.000", "5e-1", "[1", "{\"a\":", "{\"a\"", "\"abc", "\"\\", "\"\\u12", "[\"a\",{\"b\":[1,{}]}]",
        "1.5e-4", "9223372036854769.0170096", "922337406130953372036854770096", "92233740613095516.0",
        "9007199254740993.0000", "9007199254740993.000", "90071992547409930000e-4",
        "9007199254740993.00000000000000000000000000000", "-9223372036854775808.0", "9223372036854775807.0",
        "922337203685477580.7e1", "92233720368547758070e-1", "18446744073709551615e-1", "18446744073709551616e-1",
        "9007199254740993.5", "9007199254740993.9999999", "12345678901234567.1e1", "-9007199254740993.5",
        "9007199254740993000000000000000000000000000000000e-32", "90071992547409930000000000000000000000000e-24",
        "1234567890123456789.0", "92233720368547758000e-2", "-9223372036854775807.9", "1e18", "-0.0e5", "0.5e1",
        "-9.007199254740993e15", "22222200809830266.00000000000000000000000000000000000222",
        "22222222222222222.0000000000000000000000222", "9007199254740993.99999999999999999999999999999999999999999",
        "9007199254740993.999999999999999999999995", "9007199254740993.0000000000000000000000000000000000000000000001",
        "-22222222222222222.000000000000000000000000000000000000009", "92233720368547758.00000000000000000000000000000000009e2",
        "[1, [[1,22222200809830266.00000000000000000000000000000000000222],222222222221, [1,22222222222222222.0000000000000000000000222],22222222222227200000000222],222222222221, [1,22222222222222222.0000000000000000000000222],222222222222272221,22222222222222222.00000222222222222272222223]",
        "{\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":\"b\"}},\"data\":{\"tls.crt\":\"LS0t\"}}",
    ]

    @Test(arguments: awkward)
    func agreesWithTheDecoderOn(_ input: String) {
        let bytes = Array(input.utf8)
        #expect(Self.viaParser(bytes) == Self.viaDecoder(bytes), "\(input.debugDescription)")
    }

    @Test func refusesInvalidUTF8AndSaysWhere() throws {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
            #expect(Self.viaParser(bytes) == nil && Self.viaDecoder(bytes) == nil)
        }
        #expect(throws: JSONParseError(offset: 6, reason: "expected ',' or ']'")) { try JSONValue.parse(Array("[1, 2 3]".utf8)) }
    }

    /// Hostile input cannot exhaust the stack: the decoder's limit of 512 levels holds.
    @Test func nestingIsBounded() {
        for depth in [511, 512, 513, 100_000] {
            let bytes = Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8)
            #expect((Self.viaParser(bytes) != nil) == (depth <= 512), "depth \(depth)")
        }
    }

    /// Random documents, written with random spacing, then mutated byte by byte: both paths agree on every one,
    /// including which mutations they refuse.
    @Test func agreesWithTheDecoderOnRandomDocumentsAndTheirMutations() {
        var random = SplitMix64(seed: 0x4A53_4F4E)
        for _ in 0..<400 {
            let document = Self.randomValue(&random, depth: 0)
            let bytes = Self.write(document, &random)
            #expect(Self.viaParser(bytes) == document)
            #expect(Self.viaDecoder(bytes) == document)
            for _ in 0..<5 {
                var mutated = bytes
                let position = Int.random(in: 0..<mutated.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: mutated[position] = Self.alphabet.randomElement(using: &random)!
                case 1: mutated.remove(at: position)
                default: mutated = Array(mutated[..<position])
                }
                #expect(Self.viaParser(mutated) == Self.viaDecoder(mutated), "\(String(decoding: mutated, as: UTF8.self))")
            }
        }
    }

    static let alphabet = Array("{}[]:,\"\\ 0123456789.eE+-tfnulrsa\u{08}".utf8) + [0x00, 0xC3, 0xA9, 0xFF]

    static func randomValue(_ random: inout SplitMix64, depth: Int) -> JSONValue {
        switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .int(Int64.random(in: -1_000_000_000_000...1_000_000_000_000, using: &random))
        case 3: return .double(Double(Int.random(in: -100_000...100_000, using: &random)) + 0.5)
        case 4: return .string(randomString(&random))
        case 5: return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in randomValue(&random, depth: depth + 1) })
        default:
            var object: JSONObject = [:]
            for _ in 0..<Int.random(in: 0...4, using: &random) { object[randomString(&random)] = randomValue(&random, depth: depth + 1) }
            return .object(object)
        }
    }

    static func randomString(_ random: inout SplitMix64) -> String {
        let pieces = ["a", "tls.crt", "é", "🙂", "\"", "\\", "/", "\n", "\u{01}", " ", "\u{2028}", "x"]
        return (0..<Int.random(in: 0...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    /// Compact serialisation with random whitespace between tokens.
    static func write(_ value: JSONValue, _ random: inout SplitMix64) -> [UInt8] {
        func space() -> String { ["", " ", "\n", "\t ", "\r\n"].randomElement(using: &random)! }
        func text(_ value: JSONValue) -> String {
            switch value {
            case .array(let elements): return "[" + space() + elements.map { text($0) + space() }.joined(separator: "," + space()) + "]"
            case .object(let members):
                return "{" + space() + members.map { key, member in
                    JSONValue.string(key).jsonString + space() + ":" + space() + text(member) + space()
                }.joined(separator: "," + space()) + "}"
            default: return value.jsonString
            }
        }
        return Array((space() + text(value) + space()).utf8)
    }
}
