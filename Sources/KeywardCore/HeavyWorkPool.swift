import Foundation

/// A bounded set of dedicated OS threads for CPU-heavy or blocking work (RSA key generation, signatures, bcrypt;
/// fsync-heavy file writes).
///
/// Swift's cooperative pool has one thread per core; a few RSA-4096 keys or a bcrypt at cost 14 on it would hold
/// every thread for seconds, and lease renewal, watches and probes would wait behind them. Work handed to
/// ``run(_:)`` instead queues for one of this pool's threads (FIFO), and the awaiting task is suspended, not
/// blocking. The thread count is the global limit: however many reconciles ask at once, at most that many heavy
/// computations run, and the cooperative threads stay free.
public final class HeavyWorkPool: @unchecked Sendable {
    /// The process-wide pool for cryptography: half the cores, at least one, at most four threads.
    public static let crypto = HeavyWorkPool(
        threads: max(1, min(4, ProcessInfo.processInfo.activeProcessorCount / 2)), name: "keyward-crypto")

    /// The process-wide pool for blocking file writes (version directories, fsyncs, symlink swaps on shared
    /// volumes). A write waiting for the disk holds one of these threads rather than a cooperative one, so other
    /// reconciles keep the cores busy meanwhile; more threads than cores, since they mostly wait. Created on first use.
    public static let fileIO = HeavyWorkPool(threads: 8, name: "keyward-io")

    public let threadCount: Int
    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0
    private var running = 0
    private var completed = 0
    private var stopping = false

    public init(threads: Int, name: String) {
        threadCount = max(1, threads)
        for index in 0..<threadCount {
            let thread = Thread { [self] in self.work() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// Runs `body` on one of the pool's threads once one is free; the caller suspends meanwhile.
    public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            enqueue { continuation.resume(returning: body()) }
        }
    }

    /// ``run(_:)`` for throwing work: the error is rethrown to the caller, with its type when `body` declares one.
    public func perform<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        try await run { Result { () throws(E) in try body() } }.get()
    }

    /// Jobs waiting for a thread, jobs running now, and jobs finished since start.
    public var statistics: (queued: Int, running: Int, completed: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (jobs.count - head, running, completed)
    }

    /// Lets the threads exit once the queue is empty (tests; the shared pool lives as long as the process).
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func enqueue(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while head == jobs.count, !stopping { condition.wait() }
            if head == jobs.count {
                condition.unlock()
                return
            }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            running += 1
            condition.unlock()
            job()
            condition.lock()
            running -= 1
            completed += 1
            condition.unlock()
        }
    }
}
