#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CFilesystemSync
import Foundation

/// Group commit for writers that run side by side: each asks for "everything I wrote is durable", and one
/// `syncfs(2)` answers every writer that asked before it started.
///
/// Per filesystem, at most one round runs at a time. A writer that asks while a round runs cannot count on it (the
/// round may have started before its writes), so it joins the next round, which starts as soon as the running one
/// ends and serves everyone who joined meanwhile. With W writers at a time a round serves up to W of them, so the
/// flushes per write fall as the batch grows, and a lone writer pays one flush per call, as with fsync.
///
/// A failed round fails every later request on that filesystem too, for the life of the commit. A round flushes
/// whatever is dirty, so its failure may have lost the data of writers already queued for the next round, and
/// `syncfs` reports an error only on descriptors opened before it: a later round can succeed over lost pages.
/// Failing from then on is the safe reading (PostgreSQL stops on a failed fsync for the same reason); a new run
/// starts with a new commit. Writeback errors reach `syncfs` on Linux 5.8 and later; on earlier kernels it
/// reports none, so use ``Durability/eachFile`` there.
///
/// Callers block: they are meant for file I/O threads (`HeavyWorkPool.fileIO`), never the cooperative pool.
public final class GroupCommit: @unchecked Sendable {
    /// One syncfs call and the writers waiting on it.
    private final class Round {
        var done = false
        var errorCode: Int32?
    }

    private struct Filesystem {
        var running: Round?
        var next: Round?
    }

    /// Guards every stored property below it; waiters sleep on it.
    private let condition = NSCondition()
    private var filesystems: [UInt64: Filesystem] = [:]
    /// The errno of the first failed round, per filesystem: every later request fails with it.
    private var failed: [UInt64: Int32] = [:]
    private var roundCount = 0
    private var requestCount = 0
    private let flush: @Sendable (Int32) -> Int32

    /// `flush` is `syncfs(2)`; tests pass a stand-in to hold a round open or make it fail.
    public init(flush: @escaping @Sendable (Int32) -> Int32 = { keyward_syncfs($0) }) {
        self.flush = flush
    }

    /// The errno of the first failed round on any filesystem: once set, every later request fails (see above), so
    /// a long-running caller should stop rather than retry.
    public var failure: Int32? {
        condition.lock()
        defer { condition.unlock() }
        return failed.values.first
    }

    /// Rounds run and sync requests served so far: how many writes shared each flush.
    public var statistics: (rounds: Int, requests: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (roundCount, requestCount)
    }

    /// Returns once everything written on `fd`'s filesystem before the call is durable; a failed round is an error
    /// for every writer it served.
    func sync(_ fd: Int32, path: String) throws(AtomicDirectoryError) {
        var st = stat()
        if fstat(fd, &st) != 0 { throw POSIX.failure("fstat", path) }
        let device = UInt64(st.st_dev)

        condition.lock()
        requestCount += 1
        if let code = failed[device] {
            condition.unlock()
            throw POSIX.failure("syncfs (an earlier round on this filesystem failed)", path, code)
        }
        let round = filesystems[device, default: Filesystem()].next ?? Round()
        filesystems[device, default: Filesystem()].next = round
        while !round.done {
            // A round that failed while this one waited may have lost its writers' data as well (it flushed
            // everything dirty), and a new flush would not say so: this round fails without flushing.
            if let code = failed[device] {
                round.done = true
                round.errorCode = code
                if filesystems[device]?.next === round { filesystems[device]?.next = nil }
                if filesystems[device]?.running == nil, filesystems[device]?.next == nil { filesystems[device] = nil }
                condition.broadcast()
                break
            }
            // Not done and nothing running means nobody has started `round` yet, so it is still `next`: lead it.
            if filesystems[device]?.running == nil {
                filesystems[device]?.running = round
                filesystems[device]?.next = nil
                condition.unlock()
                let result = POSIX.retrying { flush(fd) }
                let code = result == 0 ? nil : errno
                condition.lock()
                round.done = true
                round.errorCode = code
                if let code, failed[device] == nil { failed[device] = code }
                roundCount += 1
                filesystems[device]?.running = nil
                if filesystems[device]?.next == nil { filesystems[device] = nil }
                condition.broadcast()
            } else {
                condition.wait()
            }
        }
        let code = round.errorCode
        condition.unlock()
        if let code { throw POSIX.failure("syncfs", path, code) }
    }
}
