import Crypto
import Foundation

/// Fingerprints of secret values keyed with a secret only the operator holds: HMAC-SHA256 over ``ValuesHash``'s
/// encoding, written as `hmac-sha256:<hex>`. Status (`candidateHash`) and pod-template stamps derived from it say
/// nothing about the values to someone who can read them, even for short or human-chosen values that plain SHA-256
/// would let them guess offline.
///
/// Migration: a hash written before keys existed (plain SHA-256 hex, no prefix) still compares correctly, so a
/// rotation in flight across the upgrade finishes; every hash written from then on is keyed.
///
/// The key never appears in a description, a dump or a log line.
public struct ValuesHasher: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
    public static let keyedPrefix = "hmac-sha256:"
    /// The shortest key accepted: 128 bits (keys Keyward creates are 256).
    public static let minimumKeyBytes = 16

    private let key: Data?

    /// Plain SHA-256, for tests and tools that compare against hashes without a key.
    public static let unkeyed = ValuesHasher(unchecked: nil)

    private init(unchecked key: Data?) { self.key = key }

    /// A keyed hasher; nil when `key` is shorter than ``minimumKeyBytes``.
    public init?(key: Data) {
        guard key.count >= Self.minimumKeyBytes else { return nil }
        self.key = key
    }

    public var isKeyed: Bool { key != nil }

    /// The hash to persist for `values`.
    public func of(_ values: [String: Data]) -> String {
        guard let key else { return ValuesHash.of(values) }
        var mac = HMAC<SHA256>(key: SymmetricKey(data: key))
        ValuesHash.encode(values) { mac.update(data: $0) }
        return Self.keyedPrefix + ValuesHash.hex(mac.finalize())
    }

    /// Whether `hash` (as persisted) names `values`: a keyed hash under this key, or a plain SHA-256 hash from
    /// before keys existed. Keyed hashes are compared in constant time.
    public func matches(_ values: [String: Data], _ hash: String) -> Bool {
        guard hash.hasPrefix(Self.keyedPrefix) else { return ValuesHash.of(values) == hash }
        guard key != nil else { return false }
        let expected = Array(of(values).utf8)
        let given = Array(hash.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Whether `hash` was written without a key (and should be replaced by a keyed one when next written).
    public static func isPlain(_ hash: String) -> Bool { !hash.hasPrefix(keyedPrefix) }

    public var description: String { key == nil ? "ValuesHasher(unkeyed)" : "ValuesHasher(keyed)" }
    public var customMirror: Mirror { Mirror(self, children: ["keyed": isKeyed]) }

    /// A fresh random key of 32 bytes, for the operator to store once.
    public static func generateKey() -> Data {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
    }
}
