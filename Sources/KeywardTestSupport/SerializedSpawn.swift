import Foundation
import KeywardCore

extension Process {
    /// `run()` through ``ProcessLaunch``: one launch at a time across the test process, shared with the production
    /// code the tests run in-process (reload commands), since Foundation's `Process.run()` on Linux is not safe to
    /// call from several threads at once.
    public func runSerialized() throws {
        try ProcessLaunch.run(self)
    }
}
