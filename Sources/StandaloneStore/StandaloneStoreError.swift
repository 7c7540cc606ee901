import Foundation

/// Why standalone mode could not read its manifests or state. Every case names the file (and the field) at fault.
public enum StandaloneStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A manifest could not be read or parsed.
    case unreadableManifest(file: String, reason: String)
    /// A manifest document is not an object Keyward runs in standalone mode.
    case unsupportedKind(file: String, apiVersion: String, kind: String)
    /// A required field is missing or malformed.
    case invalidField(file: String, field: String, reason: String)
    /// Two manifests declare the same object.
    case duplicate(key: String, files: [String])
    /// A state file exists but cannot be read back (it is left untouched for inspection).
    case unreadableState(file: String, reason: String)
    /// Writing state failed.
    case writeFailed(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadableManifest(let file, let reason): "\(file): \(reason)"
        case .unsupportedKind(let file, let apiVersion, let kind):
            "\(file): kind \"\(kind)\" (apiVersion \"\(apiVersion)\") is not supported in standalone mode"
        case .invalidField(let file, let field, let reason): "\(file): \(field): \(reason)"
        case .duplicate(let key, let files): "\(key) is declared more than once: \(files.joined(separator: ", "))"
        case .unreadableState(let file, let reason): "state file \(file) is unreadable: \(reason)"
        case .writeFailed(let file, let reason): "cannot write state file \(file): \(reason)"
        }
    }
}
