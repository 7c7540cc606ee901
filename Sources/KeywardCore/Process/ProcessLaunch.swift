import Foundation
import Synchronization

private let launchLock = Mutex(())

/// Starts `Process`es one at a time across the whole process. Foundation's `Process.run()` on Linux crashed inside
/// its own memmove when several threads launched at the same moment (seen with reload commands, hooks and tools
/// started together); the children still run concurrently, only their launches queue (microseconds each).
public enum ProcessLaunch {
    public static func run(_ process: Process) throws {
        try launchLock.withLock { _ in try process.run() }
    }
}
