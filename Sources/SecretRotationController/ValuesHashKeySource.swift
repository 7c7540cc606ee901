import Foundation

/// Where the operator's key for ``RotationStrategies/ValuesHasher`` comes from: created once, kept where tenants
/// cannot read it, and the same for every replica and restart (a candidate's hash must still match after a crash).
public protocol ValuesHashKeySource: Sendable {
    /// The key, created on first use. Throws ``ValuesHashKeyError`` when it exists but is unusable.
    func key() async throws -> Data
}

/// Why the values-hash key cannot be used. Never carries key bytes.
public enum ValuesHashKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stored key is missing its data or shorter than 16 bytes (someone edited it: delete it, and Keyward
    /// creates a new one; rotations in flight then start their candidate over), or it cannot be created.
    case unusable(location: String, reason: String)

    public var description: String {
        switch self {
        case .unusable(let location, let reason):
            "the values-hash key in \(location) is unusable (\(reason)); delete it to have a new one created"
        }
    }
}
