import Foundation

/// Decodes `Decodable` types straight from a parsed ``JSONValue``.
///
/// Every object the controller reads (watch events, write responses, lists) and every object standalone mode loads
/// went through `JSONDecoder`, which scans the bytes into its own map and builds a dictionary per keyed container on
/// each decode, or, from a `JSONValue`, through a serialisation first. Parsing once with ``JSONValue/parse(_:)`` and
/// walking the tree costs a fraction of that, and unmodelled fields (`JSONValue`, `JSONObject`) are handed over as
/// they are instead of being decoded value by value.
///
/// It reads what `JSONDecoder` read, as it read it: the number rules are `JSONParser`'s (the decoder's own), `Data` is
/// strict base64, `URL` a string that parses, dates go through ``dateDecoding`` (`Date`'s own `Decodable`, seconds
/// since 2001, when nil: the decoder's default), a repeated key keeps its first value, and errors are the same
/// `DecodingError` cases with the same coding paths, so messages that name a field name the same field; a number
/// that does not fit its field is the exception, named at its field where `JSONDecoder` named the root. (A value
/// built in memory rather than parsed is taken as built: `.double(1)` stays a Double in a `JSONValue` field, where its
/// serialisation would have read back as `.int(1)`.)
public struct JSONValueDecoder: Sendable {
    public var dateDecoding: (@Sendable (any Decoder) throws -> Date)?

    public init(dateDecoding: (@Sendable (any Decoder) throws -> Date)? = nil) {
        self.dateDecoding = dateDecoding
    }

    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try ValueDecoder(value: value, parent: nil, key: nil, options: self).unwrap(value, as: type, key: nil)
    }

    /// `data` parsed, with JSONDecoder's error for bytes that are not JSON (for callers that look at the tree first).
    public func parse(_ data: some DataProtocol) throws -> JSONValue {
        do { return try JSONValue.parse(data) } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: [], debugDescription: "The given data was not valid JSON.", underlyingError: error))
        }
    }

    /// Parses `data` and decodes it; bytes that are not JSON throw `DecodingError.dataCorrupted` at the root, with the
    /// parse error (offset and reason) as the underlying error, as `JSONDecoder` does.
    public func decode<T: Decodable>(_ type: T.Type, from data: some DataProtocol) throws -> T {
        try decode(type, from: parse(data))
    }
}

// MARK: - The decoder

private struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct SuperKey: CodingKey {
    var stringValue: String { "super" }
    var intValue: Int? { nil }
    init() {}
    init?(stringValue: String) {}
    init?(intValue: Int) { nil }
}

/// One value and where it sits. A class, as `Decoder`s conventionally are: a `Decodable` may hold on to it.
private final class ValueDecoder: Decoder, SingleValueDecodingContainer {
    let value: JSONValue
    let options: JSONValueDecoder
    /// Where this value sits, kept as a link to the parent: the path is built only when asked for (errors, mostly),
    /// not as an array per nested value.
    private let parent: ValueDecoder?
    private let key: (any CodingKey)?
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(value: JSONValue, parent: ValueDecoder?, key: (any CodingKey)?, options: JSONValueDecoder) {
        self.value = value
        self.parent = parent
        self.key = key
        self.options = options
    }

    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var node: ValueDecoder? = self
        while let current = node {
            if let key = current.key { path.append(key) }
            node = current.parent
        }
        return path.reversed()
    }

    /// The decoder for `value`, found at `key` below this one.
    func child(_ value: JSONValue, at key: any CodingKey) -> ValueDecoder {
        ValueDecoder(value: value, parent: self, key: key, options: options)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else {
            throw mismatch([String: Any].self, value, codingPath, container: "keyed")
        }
        return KeyedDecodingContainer(KeyedContainer<Key>(object: object, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let array) = value else { throw mismatch([Any].self, value, codingPath, container: "unkeyed") }
        return UnkeyedContainer(array: array, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    // MARK: Unwrapping one value

    /// `value` (found at `key` below this decoder's path) as `T`.
    func unwrap<T: Decodable>(_ value: JSONValue, as type: T.Type, key: (any CodingKey)?) throws -> T {
        // Unmodelled fields are kept as they are: no value-by-value round trip.
        if T.self == JSONValue.self { return value as! T }
        if T.self == JSONObject.self {
            guard case .object(let object) = value else { throw mismatch([String: Any].self, value, path(key)) }
            return object as! T
        }
        if T.self == Date.self, let dateDecoding = options.dateDecoding {
            return try dateDecoding(child(value, key)) as! T
        }
        if T.self == Data.self { return try data(value, key) as! T }
        if T.self == URL.self {
            let text = try string(value, key)
            guard let url = URL(string: text) else {
                throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: path(key), debugDescription: "Invalid URL string."))
            }
            return url as! T
        }
        return try T(from: child(value, key))
    }

    private func child(_ value: JSONValue, _ key: (any CodingKey)?) -> ValueDecoder {
        // Without a key the value is this decoder's own (a single-value container, or the root).
        key.map { child(value, at: $0) } ?? self
    }

    func path(_ key: (any CodingKey)?) -> [any CodingKey] { key.map { codingPath + [$0] } ?? codingPath }

    func bool(_ value: JSONValue, _ key: (any CodingKey)?) throws -> Bool {
        // JSONDecoder calls a null where a Bool belongs a type mismatch, not a missing value (unlike strings and numbers).
        guard case .bool(let bool) = value else { throw mismatch(Bool.self, value, path(key), nullIsMissing: false) }
        return bool
    }

    func string(_ value: JSONValue, _ key: (any CodingKey)?) throws -> String {
        guard case .string(let string) = value else { throw mismatch(String.self, value, path(key)) }
        return string
    }

    func integer<T: FixedWidthInteger>(_ value: JSONValue, _ key: (any CodingKey)?) throws -> T {
        switch value {
        case .int(let integer):
            if let exact = T(exactly: integer) { return exact }
            throw notRepresentable("\(integer)", T.self, key)
        case .double(let double):
            // Only what JSONDecoder also filed as a Double reaches here: a fraction, or past Int64.
            if let exact = T(exactly: double) { return exact }
            throw notRepresentable("\(double)", T.self, key)
        default: throw mismatch(T.self, value, path(key))
        }
    }

    func floatingPoint<T: BinaryFloatingPoint>(_ value: JSONValue, _ key: (any CodingKey)?) throws -> T {
        let number: T
        switch value {
        case .int(let integer): number = T(integer)
        case .double(let double):
            number = T(double)
            // Past the type's range, or a nonzero number that rounds to zero: refused, as JSONDecoder does.
            if number == 0, double != 0 { throw notRepresentable("\(double)", T.self, key) }
        default: throw mismatch(T.self, value, path(key))
        }
        guard number.isFinite else { throw notRepresentable("\(value.doubleValue ?? 0)", T.self, key) }
        return number
    }

    /// Strict base64, as JSONDecoder's default `Data` strategy.
    private func data(_ value: JSONValue, _ key: (any CodingKey)?) throws -> Data {
        let text = try string(value, key)
        guard let data = Data(base64Encoded: text) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: path(key), debugDescription: "Encountered Data is not valid Base64."))
        }
        return data
    }

    /// JSONDecoder reports this at the root ("not valid JSON"); naming the field is the one place this decoder says more.
    private func notRepresentable(_ text: String, _ type: Any.Type, _ key: (any CodingKey)?) -> DecodingError {
        DecodingError.dataCorrupted(DecodingError.Context(
            codingPath: path(key), debugDescription: "Number \(text) is not representable in Swift as \(type)."))
    }

    // MARK: SingleValueDecodingContainer

    func decodeNil() -> Bool { value == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try bool(value, nil) }
    func decode(_ type: String.Type) throws -> String { try string(value, nil) }
    func decode(_ type: Double.Type) throws -> Double { try floatingPoint(value, nil) }
    func decode(_ type: Float.Type) throws -> Float { try floatingPoint(value, nil) }
    func decode(_ type: Int.Type) throws -> Int { try integer(value, nil) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(value, nil) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(value, nil) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(value, nil) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(value, nil) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(value, nil) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(value, nil) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(value, nil) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(value, nil) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(value, nil) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try unwrap(value, as: type, key: nil) }
}

/// `JSONDecoder`'s errors for a value of the wrong JSON type: `valueNotFound` for null (where `nullIsMissing`),
/// `typeMismatch` otherwise.
private func mismatch(_ type: Any.Type, _ value: JSONValue, _ path: [any CodingKey], container: String? = nil,
                      nullIsMissing: Bool = true) -> DecodingError {
    if nullIsMissing, value == .null {
        let what = container.map { "Cannot get \($0) decoding container -- found null value instead" }
            ?? "Cannot get value of type \(type) -- found null value instead"
        return DecodingError.valueNotFound(type, DecodingError.Context(codingPath: path, debugDescription: what))
    }
    let found: String = switch value {
    case .null: "null"
    case .bool: "bool"
    case .int, .double: "number"
    case .string: "a string"
    case .array: "an array"
    case .object: "a dictionary"
    }
    return DecodingError.typeMismatch(type, DecodingError.Context(
        codingPath: path, debugDescription: "Expected to decode \(type) but found \(found) instead."))
}

// MARK: - Keyed

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

    private func value(_ key: Key) throws -> JSONValue {
        guard let value = object[key.stringValue] else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(
                codingPath: codingPath, debugDescription: "No value associated with key \(key) (\"\(key.stringValue)\")."))
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool { try value(key) == .null }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder.bool(value(key), key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder.string(value(key), key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder.floatingPoint(value(key), key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decoder.floatingPoint(value(key), key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder.integer(value(key), key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decoder.integer(value(key), key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoder.integer(value(key), key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoder.integer(value(key), key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decoder.integer(value(key), key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decoder.integer(value(key), key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decoder.integer(value(key), key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decoder.integer(value(key), key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decoder.integer(value(key), key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decoder.integer(value(key), key) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder.unwrap(value(key), as: type, key: key) }

    // One lookup for the optional fields most of an object is made of (the defaults look the key up three times).
    private func present(_ key: Key) -> JSONValue? {
        // `.none`, not `nil`: JSONValue is itself ExpressibleByNilLiteral.
        guard let value = object[key.stringValue], value != .null else { return .none }
        return value
    }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try present(key).map { try decoder.unwrap($0, as: type, key: key) }
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try present(key).map { try decoder.string($0, key) } }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try present(key).map { try decoder.bool($0, key) } }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try present(key).map { try decoder.integer($0, key) } }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try present(key).map { try decoder.integer($0, key) } }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.child(value(key), at: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.child(value(key), at: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        decoder.child(object["super"] ?? .null, at: SuperKey())
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        decoder.child(object[key.stringValue] ?? .null, at: key)
    }
}

// MARK: - Unkeyed

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let array: [JSONValue]
    let decoder: ValueDecoder
    private(set) var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { array.count }
    var isAtEnd: Bool { currentIndex >= array.count }

    init(array: [JSONValue], decoder: ValueDecoder) {
        self.array = array
        self.decoder = decoder
    }

    /// The next element and its key; the index moves on only once the element decoded.
    private func next(_ type: Any.Type) throws -> (JSONValue, IndexKey) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, DecodingError.Context(
                codingPath: codingPath + [IndexKey(currentIndex)], debugDescription: "Unkeyed container is at end."))
        }
        return (array[currentIndex], IndexKey(currentIndex))
    }

    /// Reads the next element with `read` (given the decoder, not capturing this container while it mutates).
    private mutating func take<T>(_ type: T.Type, _ read: (ValueDecoder, JSONValue, IndexKey) throws -> T) throws -> T {
        let (value, key) = try next(type)
        let result = try read(decoder, value, key)
        currentIndex += 1
        return result
    }

    mutating func decodeNil() throws -> Bool {
        let (value, _) = try next(Any?.self)
        guard value == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try take(type) { try $0.bool($1, $2) } }
    mutating func decode(_ type: String.Type) throws -> String { try take(type) { try $0.string($1, $2) } }
    mutating func decode(_ type: Double.Type) throws -> Double { try take(type) { try $0.floatingPoint($1, $2) } }
    mutating func decode(_ type: Float.Type) throws -> Float { try take(type) { try $0.floatingPoint($1, $2) } }
    mutating func decode(_ type: Int.Type) throws -> Int { try take(type) { try $0.integer($1, $2) } }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try take(type) { try $0.integer($1, $2) } }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try take(type) { try $0.integer($1, $2) } }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try take(type) { try $0.integer($1, $2) } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try take(type) { try $0.integer($1, $2) } }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try take(type) { try $0.integer($1, $2) } }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try take(type) { try $0.integer($1, $2) } }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try take(type) { try $0.integer($1, $2) } }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try take(type) { try $0.integer($1, $2) } }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try take(type) { try $0.integer($1, $2) } }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try take(type) { try $0.unwrap($1, as: type, key: $2) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try take(KeyedDecodingContainer<NestedKey>.self) {
            try $0.child($1, at: $2).container(keyedBy: type)
        }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try take((any UnkeyedDecodingContainer).self) {
            try $0.child($1, at: $2).unkeyedContainer()
        }
    }

    mutating func superDecoder() throws -> any Decoder {
        try take((any Decoder).self) { $0.child($1, at: $2) }
    }
}
