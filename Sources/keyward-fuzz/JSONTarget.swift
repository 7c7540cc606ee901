import Foundation
import KeywardCore

/// Arbitrary bytes through `JSONValue.parse`, the parser every API object and stored state passes through. It must
/// never crash; what it accepts, the `JSONDecoder` path it replaced accepts as the same value; and that value reads
/// back unchanged from its own serialisation. Numbers compare by value: the two paths can file an exotic literal
/// (twenty digits and an exponent) under `.int` and `.double` differently. (The other direction holds for well-formed
/// JSON, tested in JSONParserTests; JSONDecoder also lets through a few malformed inputs the parser refuses: `7\0`,
/// or a bad number in a repeated key's ignored value.)
enum JSONTarget {
    static func run(_ input: FuzzInput) {
        let bytes = input.bytes
        guard let parsed = try? JSONValue.parse(bytes) else { return }
        guard let decoded = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)), same(parsed, decoded) else {
            fatalError("JSONValue.parse accepted what JSONDecoder reads differently or refuses")
        }
        guard let reread = try? JSONValue.parse(parsed.serialized()), same(reread, parsed) else {
            fatalError("a parsed value does not read back from its own serialisation")
        }
    }

    private static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int, .double), (.double, .int), (.double, .double): return a.doubleValue == b.doubleValue
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { same(value, $0) } ?? false }
        default: return a == b
        }
    }
}
