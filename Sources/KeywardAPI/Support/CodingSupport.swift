extension KeyedDecodingContainer {
    /// The value at `key`, or `fallback` when the key is absent or null. Null counts as absent because the API
    /// server prunes nulls before defaulting, and a bare `selfSigned:` in YAML is null.
    func decode<T: Decodable>(_ key: Key, or fallback: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback()
    }

    func decodeIfPresent<T: Decodable>(_ key: Key) throws -> T? {
        try decodeIfPresent(T.self, forKey: key)
    }
}

extension KeyedEncodingContainer {
    /// Omits empty lists and maps: an empty list and an absent one mean the same in every Keyward spec.
    mutating func encodeUnlessEmpty<T: Encodable & Collection>(_ value: T, forKey key: Key) throws {
        if !value.isEmpty { try encode(value, forKey: key) }
    }
}
