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
        let kind: EntryKind =
            switch st.st_mode & S_IFMT {
            case S_IFREG: .file
            case S_IFDIR: .directory
            case S_IFLNK: .symlink
            default: .other
            }
        return Status(kind: kind, mode: UInt32(st.st_mode & 0o7777), groupID: UInt32(st.st_gid), size: Int(st.st_size))
    }

    /// Creates `path` and any missing parents with `mode` (exactly, regardless of umask, for the ones it creates).
    static func makeDirectories(_ path: String, mode: UInt32) throws(AtomicDirectoryError) {
        if try lstatus(path).kind == .directory { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try makeDirectories(parent, mode: mode) }
        if mkdir(path, mode_t(mode)) != 0 {
            if errno == EEXIST, try lstatus(path).kind == .directory { return }
            throw failure("mkdir", path)
        }
        if chmod(path, mode_t(mode)) != 0 { throw failure("chmod", path) }
    }

    /// The target of symlink `path`, or `nil` when it does not exist.
    static func readLink(_ path: String) throws(AtomicDirectoryError) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        if count < 0 {
            if errno == ENOENT { return nil }
            throw failure("readlink", path)
        }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Entry names of a directory, without "." and "..".
    static func listDirectory(_ path: String) throws(AtomicDirectoryError) -> [String] {
        guard let dir = opendir(path) else { throw failure("opendir", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw failure("readdir", path) }
                break
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Writes a new file (`O_EXCL`, never following symlinks), sets group then exact mode, and fsyncs it.
    static func createFile(_ path: String, contents: Data, mode: UInt32, groupID: UInt32?) throws(AtomicDirectoryError) {
        let fd = retrying { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(0o600)) }
        if fd < 0 { throw failure("open", path) }
        defer { close(fd) }
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
        if retrying({ fsync(fd) }) != 0 { throw failure("fsync", path) }
    }

    static func readFile(_ path: String) throws(AtomicDirectoryError) -> Data {
        let fd = retrying { open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        if fd < 0 { throw failure("open", path) }
        defer { close(fd) }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("read", path)
            }
            if n == 0 { return data }
            data.append(contentsOf: chunk[0..<n])
        }
    }

    /// Makes a rename/symlink/unlink in directory `path` durable.
    static func syncDirectory(_ path: String) throws(AtomicDirectoryError) {
        let fd = retrying { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        if fd < 0 { throw failure("open", path) }
        defer { close(fd) }
        if retrying({ fsync(fd) }) != 0 { throw failure("fsync", path) }
    }

    static func makeSymlink(_ target: String, at path: String) throws(AtomicDirectoryError) {
        if symlink(target, path) != 0 { throw failure("symlink", path) }
    }

    static func rename(_ from: String, to: String) throws(AtomicDirectoryError) {
        if systemRename(from, to) != 0 { throw failure("rename \(from) →", to) }
    }

    /// Removes a file, symlink or directory tree; a missing path is not an error.
    static func removeTree(_ path: String) throws(AtomicDirectoryError) {
        switch try lstatus(path).kind {
        case .missing: return
        case .directory:
            for name in try listDirectory(path) { try removeTree(path + "/" + name) }
            if rmdir(path) != 0 && errno != ENOENT { throw failure("rmdir", path) }
        default:
            if unlink(path) != 0 && errno != ENOENT { throw failure("unlink", path) }
        }
    }
}

private func systemRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }

extension POSIX {
    /// Runs `body` holding an exclusive `flock` on directory `path`, so two writers (threads or processes) never
    /// interleave. Closing the descriptor releases the lock, even if `body` throws.
    static func withExclusiveLock<T>(
        on path: String, _ body: () throws(AtomicDirectoryError) -> T
    ) throws(AtomicDirectoryError) -> T {
        let fd = retrying { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        if fd < 0 { throw failure("open", path) }
        defer { close(fd) }
        if retrying({ flock(fd, LOCK_EX) }) != 0 { throw failure("flock", path) }
        return try body()
    }
}
