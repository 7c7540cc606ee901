#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The hard end of a long-running command: once armed, the process exits when the deadline passes, whatever state
/// it is in (a task that ignores cancellation, a blocked thread, a service group waiting on a hung service).
///
/// The timer runs on a Dispatch queue of its own, not on Swift's cooperative pool, so a pool full of blocked tasks
/// cannot hold it back. A process that ends sooner on its own never sees it fire.
public enum ProcessDeadline {
    private static let queue = DispatchQueue(label: "keyward.process-deadline")
    /// A queue of its own (its own thread), so the backstop below fires even when the deadline's thread is stuck.
    private static let backstop = DispatchQueue(label: "keyward.process-exit-backstop")

    /// Ends the process `seconds` from now: flushes stdout, writes `message` (one line) to stderr, `_exit(code)`.
    public static func arm(after seconds: TimeInterval, exitCode: Int32, message: String) {
        queue.asyncAfter(deadline: .now() + max(0, seconds)) { exitNow(exitCode, message: message) }
    }

    /// Ends the process at once, the same way.
    public static func exitNow(_ code: Int32, message: String) -> Never {
        // Flushing or writing can block (a full pipe, a stream locked by a stuck thread): exit a second later anyway.
        backstop.asyncAfter(deadline: .now() + 1) { _exit(code) }
        fflush(nil)  // every C stream, stdout's buffered lines included
        let line = message.hasSuffix("\n") ? message : message + "\n"
        FileHandle.standardError.write(Data(line.utf8))
        _exit(code)
    }
}
