import Foundation
import Synchronization

private let spawnLock = Mutex(())

extension Process {
    /// `run()`, one spawn at a time across the test process. Foundation's `Process.run()` on Linux crashed inside
    /// its own memmove twice when many tests started tools at the same moment; the tools still run concurrently,
    /// only their launches queue (microseconds each).
    public func runSerialized() throws {
        try spawnLock.withLock { _ in try run() }
    }
}
