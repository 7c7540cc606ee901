#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an atomic directory write or read failed. Never carries file contents.
public enum AtomicDirectoryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A name that could escape the directory or collide with the writer's hidden `..`-prefixed entries.
    case invalidFileName(String, reason: String)
    /// The same name appears twice in one write.
    case duplicateFileName(String)
    /// A system call failed; `errno` is the raw code, ``errnoDescription`` its text.
    case systemCall(operation: String, path: String, errno: Int32)
    /// The on-disk layout is not one this writer produced (e.g. `..data` is not a symlink to a sibling).
    case unexpectedLayout(path: String, reason: String)
    /// `..data` kept moving while a consistent read was attempted (a writer rotating faster than we can read).
    case unstableVersion(path: String)
    /// A component below the trusted root is a symlink: refused, never followed, nothing written through it.
    case symlinkInPath(path: String)
    /// Another owner already claimed the directory (``AtomicDirectoryWriter/claim(for:replacing:)``).
    case claimedByOther(path: String, owner: String)
    /// A test fault hook fired at this point, simulating a crash there.
    case injectedFault(AtomicDirectoryWriter.FaultPoint)

    /// `strerror` text for ``systemCall(operation:path:errno:)``.
    public var errnoDescription: String? {
        guard case .systemCall(_, _, let code) = self else { return nil }
        return String(cString: strerror(code))
    }

    public var description: String {
        switch self {
        case .invalidFileName(let name, let reason): "invalid file name '\(name)': \(reason)"
        case .duplicateFileName(let name): "file name '\(name)' appears more than once"
        case .systemCall(let operation, let path, let code):
            "\(operation) \(path): \(String(cString: strerror(code))) (errno \(code))"
        case .unexpectedLayout(let path, let reason): "unexpected layout at \(path): \(reason)"
        case .unstableVersion(let path): "\(path)/..data changed during every read attempt"
        case .symlinkInPath(let path): "\(path) is a symlink; files are never written through symlinks"
        case .claimedByOther(let path, let owner): "\(path) is already used by \(owner)"
        case .injectedFault(let point): "injected fault at \(point)"
        }
    }
}
