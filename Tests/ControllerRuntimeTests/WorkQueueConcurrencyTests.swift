import ControllerRuntime
import Foundation
import KeywardTestSupport
import KeywardCore
import Synchronization
import Testing

/// The work queue under contention, through the real ``Controller``: many tasks adding few keys at once, keys
/// added again while being processed, delayed adds, and reconciles that fail and come back rate-limited.
@Suite("Work queue concurrency")
struct WorkQueueConcurrencyTests {
    /// Orders every add and every reconcile start on one counter, and records any key held by two workers at once.
    final class Probe: Reconciler {
        struct State {
            var inFlight: Set<ObjectKey> = []
            var doubleRuns: [ObjectKey] = []
            var lastStart: [ObjectKey: Int] = [:]
            var lastAdd: [ObjectKey: Int] = [:]
            var runs = 0
            var failures = 0
        }
        let state = Mutex(State())
        let clock = Atomic<Int>(0)
        /// Fail every `failEvery`-th run among the first `failingRuns`, so retries happen but the queue settles.
        let failEvery: Int
        let failingRuns: Int

        init(failEvery: Int, failingRuns: Int) {
            self.failEvery = failEvery
            self.failingRuns = failingRuns
        }

        struct InjectedFailure: Error {}

        func tick() -> Int { clock.add(1, ordering: .sequentiallyConsistent).newValue }

        func willAdd(_ key: ObjectKey) {
            let stamp = tick()
            state.withLock { $0.lastAdd[key] = stamp }
        }

        func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
            let stamp = tick()
            let run = state.withLock { s -> Int in
                if !s.inFlight.insert(key).inserted { s.doubleRuns.append(key) }
                s.lastStart[key] = stamp
                s.runs += 1
                return s.runs
            }
            // Hold the key across suspension points so overlapping workers would be caught.
            for _ in 0..<(stamp % 7) { await Task.yield() }
            if stamp % 3 == 0 { try? await Task.sleep(for: .microseconds(200)) }
            let fail = run <= failingRuns && run % failEvery == 0
            state.withLock { s in
                s.inFlight.remove(key)
                if fail { s.failures += 1 }
            }
            if fail { throw InjectedFailure() }
            return .done
        }
    }

    static func isIdle(_ queue: WorkQueue<ObjectKey>) async -> Bool {
        let depth = await queue.depth
        let processing = await queue.processingCount
        let delayed = await queue.delayedCount
        return depth == 0 && processing == 0 && delayed == 0
    }

    @Test func aKeyIsNeverHeldByTwoWorkersAndNoAddIsLost() async throws {
        let probe = Probe(failEvery: 5, failingRuns: 3_000)
        let queue = WorkQueue<ObjectKey>(name: "contended", clock: SystemClock(),
                                         rateLimiter: RateLimiterConfiguration(baseDelay: 0.001, maxDelay: 0.01, qps: 1e6, burst: 1_000_000))
        let controller = Controller(name: "probe", queue: queue, reconciler: probe, concurrency: 8, logger: quietLogger("controller"))
        let running = Task { try await controller.run() }
        let keys = (0..<12).map { ObjectKey(namespace: "ns", name: "key-\($0)") }

        await withTaskGroup(of: Void.self) { group in
            for producer in 0..<8 {
                group.addTask {
                    for i in 0..<400 {
                        let key = keys[(producer * 31 + i * 7) % keys.count]
                        probe.willAdd(key)
                        if i % 10 == 0 {
                            await queue.add(key, after: Double(i % 3) * 0.001)
                        } else {
                            await queue.add(key)
                        }
                        if i % 50 == 0 { await Task.yield() }
                    }
                }
            }
        }

        let settled = await within(60) { await Self.isIdle(queue) }
        #expect(settled)
        await controller.shutDown()
        #expect(await result(of: running, timeout: 30) != nil)

        let state = probe.state.withLock { $0 }
        #expect(state.doubleRuns.isEmpty, "keys held by two workers at once: \(state.doubleRuns)")
        #expect(state.failures > 0, "the run must include rate-limited retries")
        // De-duplication: far fewer runs than adds, yet every key's last run began after its last add.
        #expect(state.runs < 8 * 400)
        for key in keys {
            let lastAdd = try #require(state.lastAdd[key])
            let lastStart = try #require(state.lastStart[key])
            #expect(lastStart > lastAdd, "the last add of \(key) was never followed by a run")
        }
        #expect(await queue.retries == state.failures)
    }

    /// Keys re-added by the reconciler itself (requeueAfter) and by producers at the same moment still never run
    /// twice at once.
    @Test func requeuesFromTheReconcilerRaceProducersSafely() async throws {
        final class Requeuer: Reconciler {
            let inFlight = Mutex<Set<ObjectKey>>([])
            let doubleRuns = Mutex(0)
            let runs = Mutex(0)
            func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
                if !inFlight.withLock({ $0.insert(key).inserted }) { doubleRuns.withLock { $0 += 1 } }
                await Task.yield()
                inFlight.withLock { _ = $0.remove(key) }
                let count = runs.withLock { r -> Int in
                    r += 1
                    return r
                }
                return count < 600 ? ReconcileResult(requeueAfter: 0.0005) : .done
            }
        }
        let reconciler = Requeuer()
        let queue = WorkQueue<ObjectKey>(name: "requeue", clock: SystemClock())
        let controller = Controller(name: "requeue", queue: queue, reconciler: reconciler, concurrency: 6,
                                    logger: quietLogger("controller"))
        let running = Task { try await controller.run() }
        let keys = (0..<4).map { ObjectKey(namespace: nil, name: "k\($0)") }
        await withTaskGroup(of: Void.self) { group in
            for p in 0..<4 {
                group.addTask { for i in 0..<300 { await queue.add(keys[(p + i) % keys.count]) } }
            }
        }
        // Bounds are generous: the full suite runs Pebble, BIND and nginx beside this on two cores.
        #expect(await within(180) { reconciler.runs.withLock { $0 } >= 600 })
        #expect(await within(30) { await Self.isIdle(queue) })
        await controller.shutDown()
        #expect(await result(of: running, timeout: 30) != nil)
        #expect(reconciler.doubleRuns.withLock { $0 } == 0)
    }
}
