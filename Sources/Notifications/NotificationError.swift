/// What can go wrong configuring or persisting notifications; every case names the file or target involved.
public enum NotificationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `--notify-signing-key-file` unusable.
    case signingKey(path: String, reason: String)
    /// A `--notify-url` or `--alertmanager-url` that is not an absolute http(s) URL.
    case invalidURL(flag: String, value: String)
    /// The persisted state (cooldowns, dead letters) could not be read or written.
    case state(location: String, reason: String)

    public var description: String {
        switch self {
        case .signingKey(let path, let reason): "--notify-signing-key-file \(path) \(reason)"
        case .invalidURL(let flag, let value): "\(flag): '\(value)' is not an absolute http or https URL"
        case .state(let location, let reason): "notification state \(location): \(reason)"
        }
    }
}
