#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Reads a file someone else may control (a shared volume, a pid file, a manifest) without letting it block the
/// reader or fill its memory: the open never waits (a FIFO would), only a regular file is read, and never more than
/// a limit, checked by size before reading and by count while reading (a file may grow).
public enum RegularFile {
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// Nothing there (ENOENT, or a path through something that is not a directory).
        case missing
        case notRegular
        /// `size` is what `fstat` said, or nil when the file grew past the limit while it was read.
        case tooLarge(size: Int?, limit: Int)
        case system(errno: Int32)

        public var description: String {
            switch self {
            case .missing: "no such file"
            case .notRegular: "not a regular file"
            case .tooLarge(let size?, let limit): "file is \(size) bytes; the limit is \(limit)"
            case .tooLarge(nil, let limit): "file grew past the limit of \(limit) bytes"
            case .system(let code): String(cString: strerror(code))
            }
        }
    }

    /// The bytes of the regular file at `path` (symlinks followed), at most `limit` of them.
    public static func read(_ path: String, limit: Int) throws(Failure) -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 { throw errno == ENOENT || errno == ENOTDIR ? .missing : .system(errno: errno) }
        defer { close(fd) }
        return try read(descriptor: fd, limit: limit)
    }

    /// The bytes of the regular file open as `fd` (opened with `O_NONBLOCK`), at most `limit` of them.
    public static func read(descriptor fd: Int32, limit: Int) throws(Failure) -> Data {
        var status = stat()
        if fstat(fd, &status) != 0 { throw .system(errno: errno) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .notRegular }
        guard status.st_size <= limit else { throw .tooLarge(size: Int(status.st_size), limit: limit) }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system(errno: errno)
            }
            if count == 0 { return data }
            guard data.count + count <= limit else { throw .tooLarge(size: nil, limit: limit) }
            data.append(contentsOf: chunk[0..<count])
        }
    }
}

#if canImport(Glibc)
private let systemRead = Glibc.read
#elseif canImport(Musl)
private let systemRead = Musl.read
#elseif canImport(Darwin)
private let systemRead = Darwin.read
#endif
