import Foundation

/// Why a client configuration could not be loaded. Every case names the file and, where it applies, the field.
public enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadableFile(path: String, reason: String)
    /// The file cannot be parsed as YAML, or breaks a size limit; `reason` gives the position, never the text.
    case invalidYAML(path: String, reason: String)
    case missingField(path: String, field: String)
    case invalidField(path: String, field: String, reason: String)
    case contextNotFound(path: String, context: String)
    case noConfiguration(searched: [String])

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason): "\(path): cannot read: \(reason)"
        case .invalidYAML(let path, let reason): "\(path): \(reason)"
        case .missingField(let path, let field): "\(path): \(field) is required but missing"
        case .invalidField(let path, let field, let reason): "\(path): \(field): \(reason)"
        case .contextNotFound(let path, let context): "\(path): context '\(context)' not found in contexts"
        case .noConfiguration(let searched):
            "no Kubernetes configuration found (looked at: \(searched.joined(separator: ", ")))"
        }
    }
}
