#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Thin synchronous wrappers over the system calls the writer needs, turning `-1`/`errno` into typed errors.
///
/// Plain POSIX rather than FileManager because the scheme depends on exact semantics (`rename` over a symlink,
/// `O_EXCL`, `fsync` of directories, `lstat` vs `stat`) and on reporting the real `errno`.
enum POSIX {
    enum EntryKind { case missing, file, directory, symlink, other }

    struct Status {
        var kind: EntryKind
        var mode: UInt32
        var groupID: UInt32
        var size: Int

        init(kind: EntryKind, mode: UInt32, groupID: UInt32, size: Int) {
            self.kind = kind
            self.mode = mode
            self.groupID = groupID
            self.size = size
        }

        init(_ st: stat) {
            kind =
                switch st.st_mode & S_IFMT {
                case S_IFREG: .file
                case S_IFDIR: .directory
                case S_IFLNK: .symlink
                default: .other
                }
            mode = UInt32(st.st_mode & 0o7777)
            groupID = UInt32(st.st_gid)
            size = Int(st.st_size)
        }
    }

    static func failure(_ operation: String, _ path: String, _ code: Int32 = errno) -> AtomicDirectoryError {
        .systemCall(operation: operation, path: path, errno: code)
    }

    /// Retries a call interrupted by a signal.
    static func retrying(_ body: () -> Int32) -> Int32 {
        while true {
            let result = body()
            if result == -1 && errno == EINTR { continue }
            return result
        }
    }

    static func lstatus(_ path: String) throws(AtomicDirectoryError) -> Status {
        var st = stat()
        if lstat(path, &st) != 0 {
            if errno == ENOENT { return Status(kind: .missing, mode: 0, groupID: 0, size: 0) }
            throw failure("lstat", path)
        }
        return Status(st)
    }

    /// Creates `path` and any missing parents with `mode` (exactly, regardless of umask, for the ones it creates).
    /// A directory, or a symlink resolving to one.
    private static func isDirectory(_ path: String) throws(AtomicDirectoryError) -> Bool {
        switch try lstatus(path).kind {
        case .directory: return true
        case .symlink:
            var st = stat()
            return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR
        default: return false
        }
    }

    /// The path is trusted (an administrator chose it), so a symlink to a directory counts as that directory.
    static func makeDirectories(_ path: String, mode: UInt32) throws(AtomicDirectoryError) {
        if try isDirectory(path) { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try makeDirectories(parent, mode: mode) }
        if mkdir(path, mode_t(mode)) != 0 {
            if errno == EEXIST, try isDirectory(path) { return }
            throw failure("mkdir", path)
        }
        if chmod(path, mode_t(mode)) != 0 { throw failure("chmod", path) }
    }

    /// Sets group then exact mode on a freshly created file, writes `contents` and, with `sync`, fsyncs it.
    static func fill(_ fd: Int32, path: String, contents: Data, mode: UInt32, groupID: UInt32?,
                     sync: Bool = true) throws(AtomicDirectoryError) {
        // chown before chmod: a non-root chown clears set-id bits.
        if let groupID, fchown(fd, uid_t.max, gid_t(groupID)) != 0 { throw failure("chown", path) }
        if fchmod(fd, mode_t(mode)) != 0 { throw failure("chmod", path) }
        var written = 0
        let code: Int32? = contents.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += n
            }
            return nil
        }
        if let code { throw failure("write", path, code) }
        if sync, retrying({ fsync(fd) }) != 0 { throw failure("fsync", path) }
    }
}
