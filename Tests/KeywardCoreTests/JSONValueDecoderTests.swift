import Foundation
import KeywardCore
import KeywardTestSupport
import Testing

/// `JSONValueDecoder` replaced `JSONDecoder` for every Kubernetes object: each case is checked against it, values and
/// errors (the case, and the coding path a message names) alike.
@Suite struct JSONValueDecoderTests {
    struct Inner: Codable, Equatable {
        var name: String
        var count: Int32?
        var flags: [Bool]?
    }

    struct Sample: Codable, Equatable {
        var text: String
        var small: Int16?
        var big: Int64?
        var unsigned: UInt32?
        var ratio: Double?
        var single: Float?
        var on: Bool?
        var blob: Data?
        var link: URL?
        var when: Date?
        var list: [Inner]?
        var map: [String: Inner]?
        var nested: [[Int]]?
        var extra: JSONObject?
        var any: JSONValue?
        var labels: [String: String]?
    }

    static let document: JSONValue = [
        "text": "hello", "small": 12, "big": 9_007_199_254_740_993, "unsigned": 7, "ratio": 0.25, "single": 1.5,
        "on": true, "blob": "aGVsbG8=", "link": "https://example.test/a?b=c", "when": 817_000_000.5,
        "list": [["name": "a", "count": 1, "flags": [true, false]], ["name": "b"]],
        "map": ["k": ["name": "c", "count": nil]], "nested": [[1, 2], [], [3]],
        "extra": ["x": [1, "y", nil], "z": ["deep": 1.0]], "any": [1, 2.5, "s", nil, true], "labels": ["a": "b"],
    ]

    enum Outcome: Equatable {
        case value(Sample)
        /// The error's case and its path: what a message built from it names.
        case error(String, String)
    }

    static func outcome(_ read: () throws -> Sample) -> Outcome {
        do { return .value(try read()) } catch let error as DecodingError {
            func path(_ keys: [any CodingKey]) -> String { keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") }
            switch error {
            case .typeMismatch(let type, let context): return .error("typeMismatch \(type)", path(context.codingPath))
            case .valueNotFound(let type, let context): return .error("valueNotFound \(type)", path(context.codingPath))
            case .keyNotFound(let key, let context): return .error("keyNotFound", path(context.codingPath + [key]))
            case .dataCorrupted(let context): return .error("dataCorrupted", path(context.codingPath))
            @unknown default: return .error("unknown", "")
            }
        } catch { return .error("\(error)", "") }
    }

    /// The document as the parser reads its serialisation (as every decoded value is in use: `1.0` is `.int(1)`),
    /// through both decoders.
    static func bothWays(_ built: JSONValue) -> (walked: Outcome, reference: Outcome) {
        let bytes = built.serialized()
        guard let value = try? JSONValue.parse(bytes) else { return (.error("unparsable", ""), .error("unparsable", "")) }
        return (outcome { try JSONValueDecoder().decode(Sample.self, from: value) },
                outcome { try JSONDecoder().decode(Sample.self, from: Data(bytes)) })
    }

    @Test func readsEveryKindOfFieldAsJSONDecoderDoes() throws {
        let (walked, reference) = Self.bothWays(Self.document)
        #expect(walked == reference)
        guard case .value(let sample) = walked else { Issue.record("not decoded: \(walked)"); return }
        #expect(sample.big == 9_007_199_254_740_993 && sample.blob == Data("hello".utf8))
        #expect(sample.map?["k"]?.count == nil && sample.extra?["z"] == ["deep": 1])
    }

    /// Wrong types, nulls, missing keys, numbers that do not fit, bad base64 and URLs, each at a known path.
    @Test(arguments: [
        ("text", JSONValue.int(1)), ("text", .null), ("small", .int(70_000)), ("small", .double(1.5)), ("small", .double(2)),
        ("unsigned", .int(-1)), ("ratio", .string("1")), ("on", .int(1)), ("blob", .string("not base64")),
        ("blob", .string("aGVsbG8")), ("link", .string("")), ("when", .string("yesterday")), ("list", .object([:])),
        ("list", .array([.int(1)])), ("list", .array([.object([:])])), ("map", .array([])), ("nested", .array([.array([.null])])),
        ("extra", .array([])), ("extra", .null), ("any", .null), ("labels", .object(["a": .int(1)])), ("big", .double(1e19)),
    ])
    func refusesAsJSONDecoderDoes(field: String, value: JSONValue) {
        guard case .object(var object) = Self.document else { return }
        object[field] = value
        let (walked, reference) = Self.bothWays(.object(object))
        #expect(Self.agree(walked, reference), "\(field) = \(value.jsonString)")
    }

    @Test func aNumberThatDoesNotFitIsNamedAtItsField() {
        guard case .object(var object) = Self.document else { return }
        object["list"] = [["name": "a", "count": 1e10]]
        #expect(Self.bothWays(.object(object)).walked == .error("dataCorrupted", "list.[0].count"))
    }

    @Test func aMissingRequiredKeyIsNamed() {
        guard case .object(var object) = Self.document else { return }
        object["text"] = nil
        let (walked, reference) = Self.bothWays(.object(object))
        #expect(walked == .error("keyNotFound", "text") && walked == reference)
    }

    /// Dates go through the strategy given, as JSONDecoder's `.custom`.
    @Test func datesUseTheGivenStrategy() throws {
        struct Stamp: Decodable { var at: Date }
        let decoder = JSONValueDecoder(dateDecoding: { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let seconds = Double(text) else {
                throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "bad"))
            }
            return Date(timeIntervalSince1970: seconds)
        })
        #expect(try decoder.decode(Stamp.self, from: ["at": "10"]).at == Date(timeIntervalSince1970: 10))
        #expect(throws: DecodingError.self) { try decoder.decode(Stamp.self, from: ["at": "x"]) }
    }

    @Test func bytesThatAreNotJSONAreDataCorruptedAtTheRoot() {
        #expect(Self.outcome { try JSONValueDecoder().decode(Sample.self, from: Array("{\"text\": ".utf8)) } == .error("dataCorrupted", ""))
    }

    /// A thousand random one-site changes of the document: both decoders accept the same ones as the same value and
    /// refuse the rest at the same path with the same error.
    @Test func agreesWithJSONDecoderOnMutations() {
        var random = SplitMix64(seed: 0x4A56_4445)
        for _ in 0..<1_000 {
            var mutated = Self.document
            for _ in 0..<Int.random(in: 1...3, using: &random) { mutated = JSONMutations.mutate(mutated, using: &random) }
            let (walked, reference) = Self.bothWays(mutated)
            #expect(Self.agree(walked, reference), "\(mutated.jsonString)")
        }
    }

    /// Equal, or the one documented difference: a number that does not fit is named at its field, where JSONDecoder
    /// reports the whole document as corrupted.
    static func agree(_ walked: Outcome, _ reference: Outcome) -> Bool {
        if walked == reference { return true }
        if case .error("dataCorrupted", let path) = walked, !path.isEmpty, reference == .error("dataCorrupted", "") { return true }
        return false
    }
}
