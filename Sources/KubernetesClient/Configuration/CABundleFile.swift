#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A CA bundle read from a file that is replaced in place while the process runs: the in-cluster
/// `serviceaccount/ca.crt`, which the kubelet swaps (through its `..data` symlink) when the cluster CA rotates.
///
/// Every request checks the file's identity (device, inode, size, modification time, following symlinks) with one
/// `stat`, and re-reads it only when that changed. Content that is unreadable or not PEM certificates keeps the
/// last good bundle, so a half-written file never breaks requests.
final class CABundleFile: Sendable {
    private struct Identity: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int
    }

    private struct State {
        var identity: Identity?
        var pem: Data?
    }

    let path: String
    private let state: Mutex<State>
    /// Times the file was read because it changed (for tests and logs).
    private let reads = Atomic<Int>(0)

    /// `initial` is the content already read (and checked) when the configuration was loaded.
    init(path: String, initial: Data?) {
        self.path = path
        state = Mutex(State(identity: Self.identity(of: path), pem: initial))
    }

    var reloadCount: Int { reads.load(ordering: .relaxed) }

    /// The bundle to trust for a new connection.
    func current() -> Data? {
        let identity = Self.identity(of: path)
        let known = state.withLock { ($0.identity, $0.pem) }
        guard let identity, identity != known.0 else { return known.1 }
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty,
              PEMArmor.problem(in: data, kind: .certificate) == nil
        else { return known.1 }
        reads.add(1, ordering: .relaxed)
        state.withLock { $0 = State(identity: identity, pem: data) }
        return data
    }

    private static func identity(of path: String) -> Identity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let modified = info.st_mtimespec
        #else
        let modified = info.st_mtim
        #endif
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                        modifiedSeconds: Int(modified.tv_sec), modifiedNanoseconds: Int(modified.tv_nsec))
    }
}
