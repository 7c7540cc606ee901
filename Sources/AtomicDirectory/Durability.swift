#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a writer makes what it wrote durable before the step that publishes it (a rename, a `..data` swap).
///
/// Both give the same crash guarantee: nothing is published before the data it names is on disk, and a write does
/// not return before its publishing step is. They differ in what the disk is asked to do, and in what a failed
/// flush means for later writes (see ``GroupCommit``).
public enum Durability: Sendable {
    /// `fsync(2)` on each file and directory the write touched: one device flush each, and nothing outside the write
    /// is flushed. Right for a controller writing now and then to a volume other programs also write to.
    case eachFile
    /// Files are written without fsync, then one `syncfs(2)` round of `commit` stands in for all of them, shared with
    /// every writer that waits on the same filesystem at the same time (group commit). Right for a batch, such as
    /// `keyward run`, that writes thousands of small files side by side: a certificate's write costs a share of a
    /// flush instead of ten. A round flushes whatever else is dirty on that filesystem too.
    case grouped(GroupCommit)

    /// Makes everything written so far on `fd`'s filesystem (for ``eachFile``: `fd` itself) durable.
    public func sync(_ fd: Int32, path: String) throws(AtomicDirectoryError) {
        switch self {
        case .eachFile:
            if POSIX.retrying({ fsync(fd) }) != 0 { throw POSIX.failure("fsync", path) }
        case .grouped(let commit):
            try commit.sync(fd, path: path)
        }
    }

    /// Whether a new file must be fsynced as it is written (not when a later round covers it).
    var syncsEachFile: Bool {
        if case .eachFile = self { true } else { false }
    }
}
