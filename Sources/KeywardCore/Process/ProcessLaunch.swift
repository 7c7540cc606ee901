#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

private let launchLock = Mutex(())

/// Starts `Process`es one at a time across the whole process, and ends the ones that overstay. Foundation's
/// `Process.run()` on Linux crashed inside its own memmove when several threads launched at the same moment (seen
/// with reload commands, hooks and tools started together); the children still run concurrently, only their
/// launches queue (microseconds each).
public enum ProcessLaunch {
    public static func run(_ process: Process) throws {
        try launchLock.withLock { _ in
            padHeapTop()
            try process.run()
        }
    }

    /// Foundation's `Process.run()` on Linux (through Swift 6.3) lists `/proc/self/fd` with `readdir` and copies each
    /// entry's whole 256-byte `d_name`, reading up to 230 bytes past glibc's 32 KiB directory buffer (fixed upstream
    /// in swift-corelibs-foundation #5472). With more than about a thousand descriptors open the buffer fills to its
    /// end, and when it was carved from the top of a malloc arena the over-read can hit the arena's unmapped end:
    /// a SIGSEGV in `memmove` (the full test suite, ~2,500 descriptors, crashed so twice).
    ///
    /// Allocating and freeing 96 KiB here (below the mmap threshold, so from this thread's arena) leaves the arena
    /// that much mapped slack at its top, so the directory buffer Process.run allocates next is followed by mapped
    /// memory wherever it lands. The free alone was not enough (a third crash): with glibc's default top pad of zero,
    /// a free that leaves the top above the trim threshold shrinks the heap to a few bytes past the top again. So the
    /// first launch sets a 256 KiB top pad: a trim then always keeps that much mapped.
    private static func padHeapTop() {
        _ = topPad
        if let slack = malloc(96 * 1024) {
            memset(slack, 0, 1)
            free(slack)
        }
    }

    private static let topPad: Void = {
        #if canImport(Glibc)
        // mallopt(M_TOP_PAD, …): malloc.h is not in the Glibc module, so looked up by name; M_TOP_PAD is -2.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
            _ = unsafeBitCast(symbol, to: Mallopt.self)(-2, 256 * 1024)
        }
        #endif
    }()

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
