import AtomicDirectory

/// Why a sync step or a reload failed. Never carries Secret values.
public enum SecretSyncError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidOptions(reason: String)
    /// The Secret lacks keys the layout requires; nothing was written, the previous files stay.
    case missingKeys([String])
    case write(AtomicDirectoryError)
    case reload(ReloadError)

    public var description: String {
        switch self {
        case .invalidOptions(let reason): "invalid options: \(reason)"
        case .missingKeys(let keys): "Secret lacks required keys \(keys.joined(separator: ", ")); keeping the current files"
        case .write(let error): "writing files failed: \(error)"
        case .reload(let error): "reload failed: \(error)"
        }
    }
}

/// Why a reload action failed.
public enum ReloadError: Error, Sendable, Hashable, CustomStringConvertible {
    case pidFileUnreadable(path: String, reason: String)
    case signalFailed(pid: Int32, signal: Int32, reason: String)
    case commandFailed(command: String, exitStatus: Int32)
    case commandTimedOut(command: String)
    case commandNotStarted(command: String, reason: String)
    case httpFailed(url: String, reason: String)
    case httpStatus(url: String, status: Int)

    public var description: String {
        switch self {
        case .pidFileUnreadable(let path, let reason): "cannot read a process id from \(path): \(reason)"
        case .signalFailed(let pid, let signal, let reason): "cannot send signal \(signal) to process \(pid): \(reason)"
        case .commandFailed(let command, let status): "'\(command)' exited with status \(status)"
        case .commandTimedOut(let command): "'\(command)' did not finish in time and was terminated"
        case .commandNotStarted(let command, let reason): "cannot run '\(command)': \(reason)"
        case .httpFailed(let url, let reason): "POST \(url) failed: \(reason)"
        case .httpStatus(let url, let status): "POST \(url) answered HTTP \(status)"
        }
    }
}
