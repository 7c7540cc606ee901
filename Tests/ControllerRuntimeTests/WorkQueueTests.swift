import ControllerRuntime
import Foundation
import KeywardCore
import Synchronization
import Testing

@Suite struct WorkQueueTests {
    @Test func deduplicatesQueuedKeys() async {
        let queue = WorkQueue<String>(name: "t", clock: ManualClock())
        await queue.add("a")
        await queue.add("a")
        await queue.add("b")
        #expect(await queue.depth == 2)
    }

    @Test func aKeyAddedWhileProcessingIsRequeuedOnlyAfterDone() async {
        let queue = WorkQueue<String>(name: "t", clock: ManualClock())
        await queue.add("a")
        let first = await queue.next()
        #expect(first == "a")
        await queue.add("a")
        // Still processing: not handed out again.
        #expect(await queue.depth == 0)
        await queue.done("a")
        #expect(await queue.depth == 1)
    }

    @Test func delayedAddsFollowTheInjectedClock() async throws {
        let clock = ManualClock()
        let queue = WorkQueue<String>(name: "t", clock: clock)
        let loop = Task { await queue.runDelayLoop() }
        await queue.add("renew", after: 3600)
        await queue.add("later", after: 7200)
        for _ in 0..<10_000 where clock.sleeperCount == 0 { await Task.yield() }
        #expect(await queue.depth == 0)
        clock.advance(by: 3600)
        for _ in 0..<10_000 where await queue.depth == 0 { await Task.yield() }
        #expect(await queue.depth == 1)
        #expect(await queue.next() == "renew")
        await queue.shutDown()
        await loop.value
    }

    /// Shut down (a lost Lease, SIGTERM), the queue hands out nothing more, even keys it still holds.
    @Test func aShutDownQueueHandsOutNoBacklog() async {
        let queue = WorkQueue<String>(name: "t", clock: ManualClock())
        for key in ["a", "b", "c"] { await queue.add(key) }
        #expect(await queue.next() == "a")
        await queue.shutDown()
        #expect(await queue.next() == nil)
        #expect(await queue.next() == nil)
    }

    @Test func rateLimitedRetriesBackOffExponentially() async throws {
        let clock = ManualClock()
        let queue = WorkQueue<String>(name: "t", clock: clock,
                                      rateLimiter: RateLimiterConfiguration(baseDelay: 1, maxDelay: 8, qps: 1000, burst: 1000))
        for expected in 1...5 {
            await queue.addRateLimited("k")
            #expect(await queue.failures(of: "k") == expected)
        }
        await queue.forget("k")
        #expect(await queue.failures(of: "k") == 0)
    }

    @Test func tokenBucketSpreadsABurst() {
        var bucket = TokenBucket(rate: 10, burst: 100)
        let now = Date(timeIntervalSince1970: 0)
        var delays: [TimeInterval] = []
        for _ in 0..<120 { delays.append(bucket.reserve(at: now)) }
        #expect(delays.prefix(100).allSatisfy { $0 == 0 })
        // Token 101 waits 0.1 s at 10 qps, token 120 waits 2 s.
        #expect(abs(delays[100] - 0.1) < 1e-9)
        #expect(abs(delays[119] - 2.0) < 1e-9)
    }

    /// A wall clock stepped back five minutes must not put the bucket into five minutes of debt (at 10 qps that
    /// would hold every request, watch re-opens included, for 300 s).
    @Test func tokenBucketIgnoresAClockSteppedBack() {
        var bucket = TokenBucket(rate: 10, burst: 2)
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(bucket.reserve(at: now) == 0)
        let earlier = now.addingTimeInterval(-300)
        #expect(bucket.reserve(at: earlier) == 0)  // the second token of the burst, not a 300 s wait
        #expect(abs(bucket.reserve(at: earlier) - 0.1) < 1e-9)  // then the normal rate
        let emptyAfterAnotherStepBack = bucket.take(at: earlier.addingTimeInterval(-60))
        #expect(!emptyAfterAnotherStepBack)
        let refilled = bucket.take(at: earlier.addingTimeInterval(-59.7))  // 0.3 s later on the new timeline
        #expect(refilled)
    }

    /// Many workers, many adds of few keys: a key is never processed by two workers at the same time, and every
    /// add is eventually followed by a processing of that key.
    @Test func neverRunsOneKeyTwiceAtOnce() async throws {
        final class Probe: Reconciler {
            let inFlight = Mutex<[ObjectKey: Int]>([:])
            let violations = Mutex(0)
            let runs = Mutex(0)
            func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
                let concurrent = inFlight.withLock { m -> Int in
                    m[key, default: 0] += 1
                    return m[key]!
                }
                if concurrent > 1 { violations.withLock { $0 += 1 } }
                for _ in 0..<5 { await Task.yield() }
                inFlight.withLock { $0[key]! -= 1 }
                runs.withLock { $0 += 1 }
                return .done
            }
        }
        let probe = Probe()
        let queue = WorkQueue<ObjectKey>(name: "c", clock: SystemClock())
        let controller = Controller(name: "probe", queue: queue, reconciler: probe, concurrency: 8)
        let running = Task { try await controller.run() }
        let keys = (0..<5).map { ObjectKey(namespace: "ns", name: "k\($0)") }
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<2000 { group.addTask { await queue.add(keys[i % keys.count]) } }
        }
        // Bounded wait for the queue to drain.
        for _ in 0..<200_000 {
            if await queue.depth == 0, await queue.processingCount == 0 { break }
            await Task.yield()
        }
        await controller.shutDown()
        try await running.value
        #expect(probe.violations.withLock { $0 } == 0)
        #expect(probe.runs.withLock { $0 } >= keys.count)
    }
}
