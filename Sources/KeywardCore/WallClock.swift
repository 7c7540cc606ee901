import Foundation
import Synchronization

/// The source of "now" for everything time-based (renewal, backoff, schedules, leases).
///
/// Injected so tests move time forward instantly instead of sleeping. Certificates speak wall-clock time, so
/// this is a wall clock (`Date`), not a monotonic one.
public protocol WallClock: Sendable {
    var now: Date { get }
    /// Seconds on a clock that is never stepped, for measuring how long something took or has lasted (a Lease
    /// observed unchanged, the time since the last renewal): a wall clock set forward or back must not make a
    /// Lease look expired or a deadline look far. Only differences mean anything.
    var uptime: TimeInterval { get }
    /// Suspends until `deadline` (or returns at once if it has passed). Throws `CancellationError` when cancelled.
    func sleep(until deadline: Date) async throws
}

extension WallClock {
    /// For clocks that are never stepped (a test's manual clock only moves forward): the wall time itself.
    public var uptime: TimeInterval { now.timeIntervalSince1970 }

    public func sleep(for duration: Duration) async throws {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        try await sleep(until: now.addingTimeInterval(seconds))
    }
}

/// The real clock.
public struct SystemClock: WallClock {
    public init() {}
    public var now: Date { Date() }
    /// CLOCK_MONOTONIC: unaffected by settimeofday, NTP steps and leap-second smearing.
    public var uptime: TimeInterval {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return TimeInterval(time.tv_sec) + TimeInterval(time.tv_nsec) / 1e9
    }
    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSinceNow
        if interval > 0 { try await Task.sleep(for: .seconds(interval)) } else { try Task.checkCancellation() }
    }
}

/// A clock that only moves when told to. Sleepers wake when ``advance(by:)`` or ``set(to:)`` passes their deadline.
public final class ManualClock: WallClock {
    private struct Sleeper {
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var now: Date
        var sleepers: [UInt64: Sleeper] = [:]
        var nextID: UInt64 = 0
    }
    private let state: Mutex<State>

    public init(now: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        state = Mutex(State(now: now))
    }

    public var now: Date { state.withLock { $0.now } }

    /// How many tasks are currently sleeping on this clock (lets tests wait until a loop has parked).
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func advance(by seconds: TimeInterval) { set(to: now.addingTimeInterval(seconds)) }

    public func set(to date: Date) {
        let woken: [CheckedContinuation<Void, any Error>] = state.withLock { s in
            s.now = max(s.now, date)
            let due = s.sleepers.filter { $0.value.deadline <= s.now }
            for id in due.keys { s.sleepers[id] = nil }
            return due.values.map(\.continuation)
        }
        for c in woken { c.resume() }
    }

    public func sleep(until deadline: Date) async throws {
        let id: UInt64 = state.withLock { s in s.nextID += 1; return s.nextID }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { s in
                    if deadline <= s.now || Task.isCancelled { return true }
                    s.sleepers[id] = Sleeper(deadline: deadline, continuation: c)
                    return false
                }
                if resumeNow {
                    if Task.isCancelled { c.resume(throwing: CancellationError()) } else { c.resume() }
                }
            }
        } onCancel: {
            let c = state.withLock { s in s.sleepers.removeValue(forKey: id)?.continuation }
            c?.resume(throwing: CancellationError())
        }
    }
}
