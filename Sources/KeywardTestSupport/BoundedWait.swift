import Foundation

/// Polls `condition` every `interval` until it holds or `timeout` seconds of real time pass, and says whether it
/// held. The bound only keeps a broken build from hanging a test run; tests assert on the outcome, never on how
/// long it took.
public func within(_ timeout: TimeInterval, every interval: Duration = .milliseconds(20),
                   _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
