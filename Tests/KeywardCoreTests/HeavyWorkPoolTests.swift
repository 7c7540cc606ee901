import Foundation
import KeywardCore
import KeywardTestSupport
import Synchronization
import Testing

/// The crypto pool runs work on its own threads, never more at once than it has threads, and leaves the
/// cooperative pool free while its threads are busy.
@Suite struct HeavyWorkPoolTests {
    /// A gate the pool's jobs block on until the test opens it (on the pool's own threads, never the cooperative pool).
    final class Gate: Sendable {
        private let state = Mutex((open: false, waiting: 0, running: 0, peak: 0))
        func pass() {
            state.withLock { s in s.waiting += 1; s.running += 1; s.peak = max(s.peak, s.running) }
            while !state.withLock({ $0.open }) { usleep(1_000) }
            state.withLock { $0.running -= 1 }
        }
        func open() { state.withLock { $0.open = true } }
        var waiting: Int { state.withLock { $0.waiting } }
        var peak: Int { state.withLock { $0.peak } }
    }

    @Test func atMostThreadCountJobsRunAndTheCooperativePoolStaysFree() async throws {
        let pool = HeavyWorkPool(threads: 2, name: "test-heavy")
        defer { pool.shutdown() }
        let gate = Gate()
        let jobs = (0..<8).map { i in Task { await pool.run { gate.pass(); return i } } }
        #expect(await within(120, every: .milliseconds(10)) { gate.waiting == 2 }, "two jobs hold the pool's two threads")
        // With both pool threads blocked, as many cooperative tasks as there are cores still finish: heavy work
        // does not hold them (this is what keeps lease renewal on time).
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let quick = await withTaskGroup(of: Int.self) { group in
            for i in 0..<(cores * 4) { group.addTask { i } }
            return await group.reduce(0) { count, _ in count + 1 }
        }
        #expect(quick == cores * 4)
        #expect(await within(120, every: .milliseconds(10)) { pool.statistics.queued == 6 }, "the other six wait for a thread")
        #expect(pool.statistics.running == 2)
        gate.open()
        var results: [Int] = []
        for job in jobs { results.append(await job.value) }
        #expect(results == Array(0..<8))
        #expect(gate.peak == 2, "never more jobs at once than threads")
        #expect(pool.statistics.completed == 8)
    }

    @Test func performRethrowsTheWorksError() async throws {
        struct Boom: Error, Equatable {}
        let pool = HeavyWorkPool(threads: 1, name: "test-heavy-throw")
        defer { pool.shutdown() }
        await #expect(throws: Boom.self) { try await pool.perform { () throws -> Int in throw Boom() } }
        #expect(await pool.perform { 41 + 1 } == 42)
        // A typed error comes back with its type: the catch below sees a Boom, not `any Error`.
        do { _ = try await pool.perform { () throws(Boom) -> Int in throw Boom() } } catch {
            #expect(error == Boom())
        }
    }
}
