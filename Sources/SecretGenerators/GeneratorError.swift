/// Why a generator could not produce a value. Never contains a generated value (or a hash of one).
public enum GeneratorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An option is out of range or contradicts another; `field` is the spec field as users write it
    /// (`"digits + symbols"` when the combination is at fault).
    case invalidOption(field: String, reason: String)
    /// The crypto library refused to create a key.
    case keyGenerationFailed(algorithm: String, reason: String)
    /// A bcrypt hash or settings string is not `$2a$`/`$2b$`/`$2y$`, two cost digits, `$`, 22 salt characters.
    case malformedHash(reason: String)

    public var field: String? {
        if case .invalidOption(let field, _) = self { field } else { nil }
    }

    public var description: String {
        switch self {
        case .invalidOption(let field, let reason): "invalid \(field): \(reason)"
        case .keyGenerationFailed(let algorithm, let reason): "\(algorithm) key generation failed: \(reason)"
        case .malformedHash(let reason): "malformed bcrypt hash: \(reason)"
        }
    }
}
