import Foundation
import KeywardCore

/// At most one manual trigger (renew, revoke, rotate, rollback annotation) acted on per object per window.
///
/// Anyone who may annotate a Certificate or SecretRotation can write a new request value every second, and each one
/// would cost a key generation and a signature or a full rotation. A request is *admitted* when its object had no
/// admitted request for `window` seconds; while admitted it passes freely until the object shows no pending request
/// (an action that takes several reconciles is not cut short). A different request arriving inside the window waits
/// for the window's end, and by then only the latest value is pending: the ones in between are coalesced.
public actor ManualTriggerLimiter {
    /// What the caller should do with a pending request.
    public enum Decision: Sendable, Equatable {
        /// Act on it now.
        case act
        /// Wait this many seconds. `announce` is true the first time a request is held back in the current window
        /// (one Event per window, not one per reconcile).
        case wait(seconds: TimeInterval, announce: Bool)
    }

    private struct Entry {
        var active: String?
        var started: Date
        var announced = false
    }

    public nonisolated let window: TimeInterval
    private let clock: any WallClock
    private var entries: [ObjectKey: Entry] = [:]
    /// Requests held back so far (for tests and metrics).
    public private(set) var deferredCount = 0
    /// Requests admitted so far.
    public private(set) var admittedCount = 0

    public init(window: TimeInterval, clock: any WallClock) {
        self.window = max(0, window)
        self.clock = clock
    }

    /// Decides for `key`, whose object currently has `pending` as its unhandled request (nil: none).
    public func decide(_ key: ObjectKey, pending: String?) -> Decision {
        let now = clock.now
        guard let pending else {
            // The admitted request was handled: forget it, keeping the start time until its window has passed.
            if let entry = entries[key] {
                if now.timeIntervalSince(entry.started) >= window { entries[key] = nil } else { entries[key]?.active = nil }
            }
            return .act
        }
        if let entry = entries[key] {
            if entry.active == pending { return .act }
            let remaining = entry.started.addingTimeInterval(window).timeIntervalSince(now)
            if remaining > 0 {
                deferredCount += 1
                let announce = !entry.announced
                entries[key]?.announced = true
                return .wait(seconds: remaining, announce: announce)
            }
        }
        entries[key] = Entry(active: pending, started: now)
        admittedCount += 1
        return .act
    }

    /// Objects with state (for tests: the map does not grow past the objects with recent requests).
    public var trackedCount: Int { entries.count }
}
