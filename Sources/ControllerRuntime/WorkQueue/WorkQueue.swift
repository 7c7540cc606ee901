import Foundation
import KeywardCore

/// A de-duplicating, rate-limited work queue with delayed adds (client-go's workqueue semantics).
///
/// - A key is queued at most once however often it is added.
/// - A key is never handed to two workers at once: adding a key that is being processed marks it dirty, and it
///   is queued again when the worker calls ``done(_:)``.
/// - ``add(_:after:)`` schedules on the injected clock, so renewal times and backoff run instantly in tests.
public actor WorkQueue<Key: Hashable & Sendable> {
    public nonisolated let name: String
    private let clock: any WallClock
    private var queue: [Key] = []
    private var head = 0
    private var dirty: Set<Key> = []
    private var processing: Set<Key> = []
    private var waiters: [CheckedContinuation<Key?, Never>] = []
    private var delayed = DeadlineHeap<Key>()
    /// The deadline the delay loop sleeps until; an add wakes it only for a sooner one.
    private var delayLoopWakesAt: Date?
    /// A sooner deadline arrived while the loop was between computing its sleep and installing its waker.
    private var wakeRequested = false
    private var delayWaker: CheckedContinuation<Void, Never>?
    private var limiter: ItemRateLimiter<Key>
    private var shuttingDown = false
    private var retryCount = 0

    public init(name: String, clock: any WallClock, rateLimiter: RateLimiterConfiguration = RateLimiterConfiguration()) {
        self.name = name
        self.clock = clock
        self.limiter = ItemRateLimiter(configuration: rateLimiter)
    }

    /// Keys waiting to be handed out (not counting delayed or in-flight ones).
    public var depth: Int { queue.count - head }
    public var delayedCount: Int { delayed.count }
    public var processingCount: Int { processing.count }
    /// Total rate-limited re-adds since start (the retries metric).
    public var retries: Int { retryCount }

    public func add(_ key: Key) {
        guard !shuttingDown, !dirty.contains(key) else { return }
        dirty.insert(key)
        delayed.remove(key)
        if processing.contains(key) { return }
        if let waiter = waiters.first {
            waiters.removeFirst()
            dirty.remove(key)
            processing.insert(key)
            waiter.resume(returning: key)
        } else {
            queue.append(key)
        }
    }

    /// Adds `key` once `delay` has passed; an earlier pending deadline for the same key wins.
    public func add(_ key: Key, after delay: TimeInterval) {
        guard !shuttingDown else { return }
        if delay <= 0 { add(key); return }
        let deadline = clock.now.addingTimeInterval(delay)
        if let existing = delayed[key], existing <= deadline { return }
        delayed.set(key, deadline)
        if let wakesAt = delayLoopWakesAt, wakesAt <= deadline { return }
        if let waker = delayWaker {
            delayWaker = nil
            waker.resume()
        } else {
            wakeRequested = true
        }
    }

    /// Re-adds after the rate limiter's delay (a failed reconcile).
    public func addRateLimited(_ key: Key) {
        retryCount += 1
        add(key, after: limiter.when(key, now: clock.now))
    }

    /// Clears the key's failure history (a successful reconcile).
    public func forget(_ key: Key) { limiter.forget(key) }

    public func failures(of key: Key) -> Int { limiter.retries(key) }

    /// The next key to work on; `nil` once the queue is shut down, even with keys still queued: a replica that lost
    /// its Lease, or got SIGTERM, must not go on reconciling its backlog (a lost Lease means another leader acts).
    public func next() async -> Key? {
        if shuttingDown { return nil }
        if head < queue.count {
            let key = queue[head]
            head += 1
            if head > 1024, head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            dirty.remove(key)
            processing.insert(key)
            return key
        }
        return await withCheckedContinuation { waiters.append($0) }
    }

    /// Marks `key` finished; if it was added meanwhile it is queued again.
    public func done(_ key: Key) {
        processing.remove(key)
        if dirty.contains(key) {
            dirty.remove(key)
            add(key)
        }
    }

    /// Stops handing out keys; waiting workers receive `nil`.
    public func shutDown() {
        shuttingDown = true
        let pending = waiters
        waiters = []
        for waiter in pending { waiter.resume(returning: nil) }
        if let waker = delayWaker {
            delayWaker = nil
            waker.resume()
        }
    }

    public var isShuttingDown: Bool { shuttingDown }

    /// Moves due delayed keys into the queue until shut down. Run exactly once, alongside the workers.
    public func runDelayLoop() async {
        while !shuttingDown && !Task.isCancelled {
            wakeRequested = false
            for key in delayed.popDue(now: clock.now) { add(key) }
            delayLoopWakesAt = delayed.soonest()
            if let next = delayLoopWakesAt {
                await sleep(until: next)
            } else {
                await withCheckedContinuation { delayWaker = $0 }
            }
            delayLoopWakesAt = nil
        }
    }

    /// Sleeps until `deadline` on the clock, or until an earlier delayed add (or shutdown) wakes the loop.
    private func sleep(until deadline: Date) async {
        let clock = self.clock
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await clock.sleep(until: deadline) }
            group.addTask { await self.waitForWake() }
            await group.next()
            group.cancelAll()
            self.wake()
        }
    }

    private func waitForWake() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if shuttingDown || wakeRequested {
                    wakeRequested = false
                    continuation.resume()
                } else {
                    delayWaker?.resume()
                    delayWaker = continuation
                }
            }
        } onCancel: {
            Task { await self.wake() }
        }
    }

    private func wake() {
        if let waker = delayWaker {
            delayWaker = nil
            waker.resume()
        }
    }
}
