#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

#if canImport(Glibc)
private let systemRead = Glibc.read
#elseif canImport(Musl)
private let systemRead = Musl.read
#elseif canImport(Darwin)
private let systemRead = Darwin.read
#endif

/// Reads a whole file, telling "not there yet" apart from "there but unreadable": the first is the normal state
/// before the certificate service has run, the second usually a permissions mistake worth printing.
public enum FileProbe {
    public enum Outcome: Sendable, Hashable {
        case missing
        case unreadable(String)
        case contents(Data)
    }

    /// Files larger than this are not certificate material; refusing them keeps a mistaken `--dir` (a huge log)
    /// from exhausting memory.
    public static let maximumSize = 16 << 20

    public static func read(_ path: String) -> Outcome {
        // Symlinks are followed (the files are links into `..data`), but never into something that blocks: a FIFO
        // or device planted by whoever shares the volume would hold the open, or the read, past `--timeout`.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            let code = errno
            // A dangling symlink (e.g. `cert.pem -> ..data/cert.pem` before the first swap) is "not there yet".
            return code == ENOENT || code == ENOTDIR ? .missing : .unreadable(String(cString: strerror(code)))
        }
        defer { close(fd) }
        var status = stat()
        if fstat(fd, &status) != 0 { return .unreadable(String(cString: strerror(errno))) }
        guard status.st_mode & S_IFMT == S_IFREG else { return .unreadable("not a regular file") }
        if status.st_size > maximumSize { return .unreadable("larger than \(maximumSize >> 20) MiB") }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .unreadable(String(cString: strerror(errno)))
            }
            if count == 0 { return .contents(data) }
            data.append(contentsOf: buffer[0..<count])
            if data.count > maximumSize { return .unreadable("larger than \(maximumSize >> 20) MiB") }
        }
    }
}
