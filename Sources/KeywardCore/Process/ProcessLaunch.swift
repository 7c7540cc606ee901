#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CDirectoryEntry
import Foundation
import Synchronization

private let launchLock = Mutex(())

/// Starts `Process`es one at a time across the whole process, and ends the ones that overstay.
///
/// Foundation's `Process.run()` on Linux (through Swift 6.3) lists `/proc/self/fd` with `readdir` and loads each
/// entry as a whole 280-byte `struct dirent`, reading past glibc's 32 KiB directory buffer once more than about
/// 1,300 descriptors are open (fixed upstream in swift-corelibs-foundation #5472). Where that buffer ended a heap
/// mapping, the process died in `memmove`: the test suite, with 2,500 descriptors open, crashed so four times, the
/// last despite padding the heap before each launch. The cause is now removed rather than dodged: `CDirectoryEntry`
/// replaces `readdir` process-wide with one that returns whole entries (``readdirIsFixed`` says whether it is in
/// effect). Launches still queue (microseconds each); the children run concurrently.
public enum ProcessLaunch {
    public static func run(_ process: Process) throws {
        try launchLock.withLock { _ in
            try process.run()
        }
    }

    /// Whether every library of this process, Foundation included, gets the full-entry `readdir`.
    public static var readdirIsFixed: Bool { keyward_readdir_is_interposed() != 0 }

    /// SIGTERM, then SIGKILL if the process is still running after `grace`, each to the process's whole group: a
    /// command that traps or ignores SIGTERM, or a shell whose children would outlive it, must not outlive its
    /// timeout. Returns whether the process has ended.
    @discardableResult
    public static func stop(_ process: Process, grace: Duration = .seconds(2)) async -> Bool {
        guard process.isRunning else { return true }
        let leader = process.processIdentifier
        signalGroup(of: leader, SIGTERM)
        if await ended(process, within: grace) { return true }
        signalGroup(of: leader, SIGKILL)
        return await ended(process, within: grace)
    }

    /// Foundation starts every child as the leader of a process group of its own, so the group reaches what the
    /// command started too. That matters beyond tidiness: a grandchild inherits Foundation's termination socket,
    /// and `isRunning` and the termination handler wait until every holder has exited. The group id cannot be
    /// reused while any member lives, so the signal cannot reach a stranger.
    private static func signalGroup(of leader: pid_t, _ signal: Int32) {
        guard leader > 1 else { return }
        if kill(-leader, signal) != 0 { kill(leader, signal) }
    }

    private static func ended(_ process: Process, within limit: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while process.isRunning, clock.now < deadline {
            // A cancelled caller gets no grace: the process is killed at once rather than waited for in a spin.
            do { try await Task.sleep(for: .milliseconds(10)) } catch { break }
        }
        return !process.isRunning
    }
}
