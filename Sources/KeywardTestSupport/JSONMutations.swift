import KeywardCore

/// Random one-site changes to a JSON document, for differential tests of decoders: one value somewhere in the tree
/// replaced by a value of another JSON type or a near miss of its own (a number past Int32, a date that is not one,
/// text that is not base64), or one key removed.
public enum JSONMutations {
    private enum Step { case key(String), index(Int) }

    static let replacements: [JSONValue] = [
        .null, .bool(true), .int(0), .int(-1), .int(70_000), .int(Int64.max), .double(1.5), .double(1e300),
        .string(""), .string("x"), .string("2026-12-05T00:00:00Z"), .string("2026-13-45"), .string("aGVsbG8="),
        .string("not base64!"), .string("https://example.test/"), .array([]), .array([.string("a"), .int(1)]),
        .object([:]), .object(["name": .string("a")]),
    ]

    public static func mutate(_ document: JSONValue, using random: inout SplitMix64) -> JSONValue {
        var sites: [[Step]] = []
        collect(document, [], into: &sites)
        guard let site = sites.randomElement(using: &random) else { return document }
        let removable = if case .key = site.last { true } else { false }
        let replacement: JSONValue? = removable && Int.random(in: 0..<5, using: &random) == 0
            ? nil : replacements.randomElement(using: &random)!
        return replace(document, at: site[...], with: replacement)
    }

    private static func collect(_ value: JSONValue, _ path: [Step], into sites: inout [[Step]]) {
        if !path.isEmpty { sites.append(path) }
        switch value {
        case .object(let object): for (key, child) in object { collect(child, path + [.key(key)], into: &sites) }
        case .array(let array): for (index, child) in array.enumerated() { collect(child, path + [.index(index)], into: &sites) }
        default: break
        }
    }

    /// `value` with the node at `path` replaced, or removed when `replacement` is nil.
    private static func replace(_ value: JSONValue, at path: ArraySlice<Step>, with replacement: JSONValue?) -> JSONValue {
        guard let step = path.first else { return replacement ?? .null }
        switch (value, step) {
        case (.object(var object), .key(let key)):
            if path.count == 1, replacement == nil { object[key] = nil }
            else if let child = object[key] { object[key] = replace(child, at: path.dropFirst(), with: replacement) }
            return .object(object)
        case (.array(var array), .index(let index)) where array.indices.contains(index):
            array[index] = replace(array[index], at: path.dropFirst(), with: replacement)
            return .array(array)
        default:
            return value
        }
    }
}
