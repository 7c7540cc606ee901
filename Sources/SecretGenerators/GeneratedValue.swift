import Foundation

/// A freshly generated secret value. Its descriptions and mirror show only the length, so a value that reaches
/// a log line, an error, `dump()` or a test failure message stays secret.
public struct GeneratedValue: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public let data: Data

    public init(_ data: Data) { self.data = data }
    init(_ string: String) { self.data = Data(string.utf8) }

    /// The value as text (every generator here produces UTF-8, keys as PEM).
    public var string: String { String(decoding: data, as: UTF8.self) }

    public var description: String { "<redacted \(data.count) bytes>" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["byteCount": data.count], displayStyle: .struct) }
}

/// The values one generator run produced, keyed by the Secret data key each belongs under.
public struct GeneratedSecret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public let values: [String: GeneratedValue]

    public init(_ values: [String: GeneratedValue]) { self.values = values }

    public subscript(key: String) -> GeneratedValue? { values[key] }

    public var keys: [String] { values.keys.sorted() }

    /// Plain bytes per key, ready for a Secret's `data`.
    public var data: [String: Data] { values.mapValues(\.data) }

    public var description: String { "GeneratedSecret(keys: \(keys))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["keys": keys], displayStyle: .struct) }
}
