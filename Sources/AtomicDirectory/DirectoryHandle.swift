#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import KeywardCore

/// An open directory that every operation addresses by a single name relative to it (`openat`, `mkdirat`,
/// `renameat`, …), so once it is open nothing done inside it re-resolves the path above it: a symlink swapped into
/// an ancestor afterwards cannot redirect a write.
///
/// ``openBeneath(_:components:create:mode:)`` walks from a trusted root one component at a time with
/// `O_NOFOLLOW | O_DIRECTORY`, so a symlink anywhere below the root is refused rather than followed. `path` is only
/// for messages. The descriptor closes when the handle is released.
final class DirectoryHandle {
    let fd: Int32
    let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// Opens `path` as given (the trusted root an administrator configured; symlinks in it are followed).
    static func open(_ path: String) throws(AtomicDirectoryError) -> DirectoryHandle {
        let fd = POSIX.retrying { systemOpen(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        if fd < 0 { throw POSIX.failure("open", path) }
        return DirectoryHandle(fd: fd, path: path)
    }

    /// Opens `root`, then each of `components` below it without following symlinks, creating missing ones with
    /// `mode` when `create` is set. A symlink (or anything but a directory) on the way is
    /// ``AtomicDirectoryError/symlinkInPath(path:)`` / `ENOTDIR`; nothing is created past it.
    static func openBeneath(_ root: String, components: [String], create: Bool,
                            mode: UInt32 = 0o755) throws(AtomicDirectoryError) -> DirectoryHandle {
        var current = try open(root)
        for component in components {
            current = try current.openChild(component, create: create, mode: mode)
        }
        return current
    }

    /// Opens the subdirectory `name` without following a symlink, creating it with exactly `mode` if asked.
    func openChild(_ name: String, create: Bool, mode: UInt32 = 0o755) throws(AtomicDirectoryError) -> DirectoryHandle {
        let childPath = child(name)
        for _ in 0..<4 {
            let fd = POSIX.retrying { openat(self.fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            if fd >= 0 { return DirectoryHandle(fd: fd, path: childPath) }
            let code = errno
            switch code {
            case ENOENT where create:
                if mkdirat(self.fd, name, mode_t(mode)) != 0 {
                    if errno == EEXIST { continue }  // a concurrent writer made it: open that
                    throw POSIX.failure("mkdir", childPath)
                }
                // mkdir applies the umask; set the requested bits exactly, without following a swapped-in link.
                let made = POSIX.retrying { openat(self.fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
                if made < 0 { throw POSIX.failure("open", childPath) }
                if fchmod(made, mode_t(mode)) != 0 {
                    close(made)
                    throw POSIX.failure("chmod", childPath)
                }
                return DirectoryHandle(fd: made, path: childPath)
            case ELOOP, ENOTDIR:
                // O_NOFOLLOW reports a symlink as ELOOP (Linux) or ENOTDIR with O_DIRECTORY on some systems.
                if try lstatus(name).kind == .symlink { throw .symlinkInPath(path: childPath) }
                throw POSIX.failure("open", childPath, code)
            default:
                throw POSIX.failure("open", childPath, code)
            }
        }
        throw POSIX.failure("mkdir", childPath, EEXIST)
    }

    func child(_ name: String) -> String { path.hasSuffix("/") ? path + name : path + "/" + name }

    func lstatus(_ name: String) throws(AtomicDirectoryError) -> POSIX.Status {
        var st = stat()
        if fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
            if errno == ENOENT { return POSIX.Status(kind: .missing, mode: 0, groupID: 0, size: 0) }
            throw POSIX.failure("lstat", child(name))
        }
        return POSIX.Status(st)
    }

    /// The target of symlink `name`, or `nil` when it does not exist.
    func readLink(_ name: String) throws(AtomicDirectoryError) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlinkat(fd, name, &buffer, buffer.count - 1)
        if count < 0 {
            if errno == ENOENT { return nil }
            throw POSIX.failure("readlink", child(name))
        }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Entry names, without "." and "..".
    func list() throws(AtomicDirectoryError) -> [String] {
        let copy = dup(fd)
        if copy < 0 { throw POSIX.failure("dup", path) }
        guard let dir = fdopendir(copy) else {
            close(copy)
            throw POSIX.failure("opendir", path)
        }
        defer { closedir(dir) }
        rewinddir(dir)
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw POSIX.failure("readdir", path) }
                break
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates directory `name` with exactly `mode`; false when it already exists.
    func makeDirectory(_ name: String, mode: UInt32) throws(AtomicDirectoryError) -> Bool {
        if mkdirat(fd, name, mode_t(mode)) != 0 {
            if errno == EEXIST { return false }
            throw POSIX.failure("mkdir", child(name))
        }
        let made = try openChild(name, create: false)
        if fchmod(made.fd, mode_t(mode)) != 0 { throw POSIX.failure("chmod", child(name)) }
        return true
    }

    /// Writes a new file (`O_EXCL`, never following symlinks), sets group then exact mode, and fsyncs it unless
    /// `sync` is false (a later group-commit round covers it).
    func createFile(_ name: String, contents: Data, mode: UInt32, groupID: UInt32?,
                    sync: Bool = true) throws(AtomicDirectoryError) {
        let path = child(name)
        let fd = POSIX.retrying { openat(self.fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(0o600)) }
        if fd < 0 { throw POSIX.failure("open", path) }
        defer { close(fd) }
        try POSIX.fill(fd, path: path, contents: contents, mode: mode, groupID: groupID, sync: sync)
    }

    /// A regular file's bytes, at most `limit` of them. A consumer who may write the folder can put anything under a
    /// name the writer reads: a symlink is refused by the open, a FIFO or device (which would block the open or
    /// never end) by its type, and a huge or sparse file by its size, so none can hold a file I/O thread or fill
    /// the controller's memory.
    func readFile(_ name: String, limit: Int) throws(AtomicDirectoryError) -> Data {
        let fd = POSIX.retrying { openat(self.fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK) }
        if fd < 0 { throw POSIX.failure("open", child(name)) }
        defer { close(fd) }
        do {
            return try RegularFile.read(descriptor: fd, limit: limit)
        } catch {
            switch error {
            case .system(let code): throw POSIX.failure("read", child(name), code)
            case .tooLarge: throw .unexpectedLayout(path: child(name), reason: "larger than \(limit) bytes")
            case .notRegular, .missing: throw .unexpectedLayout(path: child(name), reason: error.description)
            }
        }
    }

    /// Makes a rename/symlink/unlink in this directory durable (with ``Durability/grouped(_:)``, everything written
    /// on its filesystem so far).
    func sync(_ durability: Durability = .eachFile) throws(AtomicDirectoryError) {
        try durability.sync(fd, path: path)
    }

    func makeSymlink(_ target: String, at name: String) throws(AtomicDirectoryError) {
        if symlinkat(target, fd, name) != 0 { throw POSIX.failure("symlink", child(name)) }
    }

    func rename(_ from: String, to: String) throws(AtomicDirectoryError) {
        if renameat(fd, from, fd, to) != 0 { throw POSIX.failure("rename \(child(from)) →", child(to)) }
    }

    /// How deep ``removeTree(_:)`` goes. What the writer makes is one level deep (a version folder of files); a
    /// deeper tree is a consumer's, and removing it level by level would hold a descriptor and a stack frame each.
    static let removableDepth = 8

    /// Removes a file, symlink or directory tree (never following links); a missing name is not an error. A tree
    /// deeper than ``removableDepth`` is refused, not removed.
    func removeTree(_ name: String, depth: Int = 0) throws(AtomicDirectoryError) {
        switch try lstatus(name).kind {
        case .missing: return
        case .directory:
            guard depth < Self.removableDepth else {
                throw .unexpectedLayout(path: child(name), reason: "a directory tree deeper than \(Self.removableDepth) levels")
            }
            let sub = try openChild(name, create: false)
            for entry in try sub.list() { try sub.removeTree(entry, depth: depth + 1) }
            if unlinkat(fd, name, AT_REMOVEDIR) != 0 && errno != ENOENT { throw POSIX.failure("rmdir", child(name)) }
        default:
            if unlinkat(fd, name, 0) != 0 && errno != ENOENT { throw POSIX.failure("unlink", child(name)) }
        }
    }

    /// Runs `body` holding an exclusive `flock` on this directory, so two writers (threads or processes) never
    /// interleave. The lock goes with the descriptor.
    func withExclusiveLock<T>(_ body: () throws(AtomicDirectoryError) -> T) throws(AtomicDirectoryError) -> T {
        if POSIX.retrying({ flock(fd, LOCK_EX) }) != 0 { throw POSIX.failure("flock", path) }
        defer { _ = flock(fd, LOCK_UN) }
        return try body()
    }
}

/// `open(2)` under a name that does not clash with ``DirectoryHandle/open(_:)``.
private func systemOpen(_ path: String, _ flags: Int32) -> Int32 { open(path, flags) }
