import Foundation
import Synchronization

/// Candidates whose `verify.http` check passed, while their `verify.job` runs.
///
/// A Job takes minutes to days, and a pending one brings its rotation back every few seconds. Without this each
/// of those passes would run the HTTP check again, up to its full timeout: a few rotations with a slow endpoint
/// and a long Job would hold every worker. A candidate is its rotation and the keyed hash of its values, so a new
/// candidate is checked afresh; a restart forgets, and checks once more.
final class PassedHTTPChecks: Sendable {
    private let passed = Mutex<[String: Date]>([:])
    /// Entries older than this are checked again (and dropped), as are all once the memo is full.
    static let lifetime: TimeInterval = 8 * 24 * 3600
    static let capacity = 4096

    func contains(_ candidate: String, now: Date) -> Bool {
        passed.withLock { memo in
            guard let at = memo[candidate] else { return false }
            if now.timeIntervalSince(at) > Self.lifetime || now < at {
                memo[candidate] = nil
                return false
            }
            return true
        }
    }

    func insert(_ candidate: String, now: Date) {
        passed.withLock { memo in
            if memo.count >= Self.capacity { memo.removeAll() }
            memo[candidate] = now
        }
    }
}
