#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization
import Testing
@testable import AtomicDirectory

/// A flush stand-in that records each round and can hold a round open until the test releases it. Its timeline
/// also records when writers return (``Writer``), so tests check the order of events instead of sleeping.
private final class ScriptedFlush: Sendable {
    /// Rounds started so far; the n-th call sees n.
    let started = Atomic<Int>(0)
    private let timeline = Mutex<[String]>([])
    /// Rounds that block until ``release(_:)``.
    private let held: Set<Int>
    /// Rounds that fail with EIO.
    private let failing: Set<Int>
    private let released = Mutex<Set<Int>>([])

    init(holding held: Set<Int> = [], failing: Set<Int> = []) {
        self.held = held
        self.failing = failing
    }

    /// Rounds started so far (read outside `#expect`: atomics cannot be captured by the macro).
    var rounds: Int { started.load(ordering: .sequentiallyConsistent) }

    func release(_ round: Int) { released.withLock { _ = $0.insert(round) } }

    func record(_ event: String) { timeline.withLock { $0.append(event) } }

    var events: [String] { timeline.withLock { $0 } }

    func callAsFunction(_ fd: Int32) -> Int32 {
        let round = started.add(1, ordering: .sequentiallyConsistent).newValue
        record("round \(round) started")
        if held.contains(round) {
            // Bounded, and far longer than the tests' polls: a test that forgets to release fails by its
            // expectations instead of hanging, and a slow machine never sees a held round end on its own.
            var waited = 0
            while waited < 24_000 && !released.withLock({ $0.contains(round) }) {
                usleep(5_000)
                waited += 1
            }
        }
        if failing.contains(round) {
            errno = EIO
            return -1
        }
        return 0
    }
}

/// One sync request on a thread of its own (the commit blocks, as file I/O threads may); `done` is set, and
/// "<name> returned" recorded in the flush's timeline, after it returns.
private final class Writer: Sendable {
    let done = Atomic<Bool>(false)
    let failure = Mutex<AtomicDirectoryError?>(nil)

    var isDone: Bool { done.load(ordering: .sequentiallyConsistent) }
    var error: AtomicDirectoryError? { failure.withLock { $0 } }

    init(_ commit: GroupCommit, fd: Int32, name: String, recordingIn flush: ScriptedFlush) {
        Thread.detachNewThread { [self] in
            do throws(AtomicDirectoryError) { try commit.sync(fd, path: "/scratch") } catch {
                failure.withLock { $0 = error }
            }
            flush.record("\(name) returned")
            done.store(true, ordering: .sequentiallyConsistent)
        }
    }
}

/// Polls `condition` for up to ten seconds; true once it holds.
private func eventually(_ condition: () -> Bool) -> Bool {
    for _ in 0..<2_000 {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}

@Suite struct GroupCommitTests {
    private let directory = FileManager.default.temporaryDirectory.path

    private func withDescriptor(_ body: (Int32) throws -> Void) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY)
        try #require(fd >= 0)
        defer { close(fd) }
        try body(fd)
    }

    /// A leader inside the scripted first round (which must be held), and `count` writers that asked after it
    /// started, each request counted by the commit before this returns.
    private func queueBehindHeldRound(_ commit: GroupCommit, _ flush: ScriptedFlush, fd: Int32,
                                      count: Int) -> (leader: Writer, queued: [Writer]) {
        let leader = Writer(commit, fd: fd, name: "leader", recordingIn: flush)
        #expect(eventually { flush.rounds == 1 })
        let queued = (0..<count).map { Writer(commit, fd: fd, name: "queued \($0)", recordingIn: flush) }
        #expect(eventually { commit.statistics.requests == count + 1 })
        return (leader, queued)
    }

    @Test func aLoneWriterRunsItsOwnRound() throws {
        let flush = ScriptedFlush()
        let commit = GroupCommit(flush: { flush($0) })
        try withDescriptor { fd in
            try commit.sync(fd, path: directory)
            try commit.sync(fd, path: directory)
        }
        #expect(flush.rounds == 2)
        #expect(commit.statistics.rounds == 2)
        #expect(commit.statistics.requests == 2)
    }

    /// The round that was running when a writer asked may have started before its writes: it must not count.
    @Test func aWriterArrivingDuringARoundWaitsForTheNextOne() throws {
        let flush = ScriptedFlush(holding: [1])
        let commit = GroupCommit(flush: { flush($0) })
        try withDescriptor { fd in
            let (first, queued) = queueBehindHeldRound(commit, flush, fd: fd, count: 1)
            let second = queued[0]
            // Round 1 is still held: neither writer may be answered yet, and no second round may start.
            #expect(!first.isDone)
            #expect(!second.isDone)
            #expect(flush.rounds == 1)

            flush.release(1)
            #expect(eventually { first.isDone && second.isDone })
            // The second writer was answered by a round that started after it asked.
            #expect(flush.rounds == 2)
            #expect(commit.statistics.rounds == 2)
            let events = flush.events
            let secondReturned = try #require(events.firstIndex(of: "queued 0 returned"), "\(events)")
            let secondRound = try #require(events.firstIndex(of: "round 2 started"), "\(events)")
            #expect(secondReturned > secondRound, "\(events)")
        }
    }

    @Test func writersThatWaitTogetherShareOneRound() throws {
        let flush = ScriptedFlush(holding: [1])
        let commit = GroupCommit(flush: { flush($0) })
        try withDescriptor { fd in
            let (leader, waiting) = queueBehindHeldRound(commit, flush, fd: fd, count: 6)
            flush.release(1)
            #expect(eventually { ([leader] + waiting).allSatisfy { $0.isDone } })
        }
        // Seven requests, two flushes: the six that queued behind the first round share the second.
        #expect(flush.rounds == 2)
        #expect(commit.statistics.rounds == 2)
        #expect(commit.statistics.requests == 7)
    }

    @Test func aFailedRoundFailsEveryWriterItServedAndEveryLaterRequest() throws {
        let flush = ScriptedFlush(holding: [1], failing: [2])
        let commit = GroupCommit(flush: { flush($0) })
        try withDescriptor { fd in
            let (leader, served) = queueBehindHeldRound(commit, flush, fd: fd, count: 3)
            flush.release(1)
            #expect(eventually { ([leader] + served).allSatisfy { $0.isDone } })
            #expect(leader.error == nil)
            for writer in served {
                #expect(writer.error == .systemCall(operation: "syncfs", path: "/scratch", errno: EIO))
            }
            // A round flushes everything dirty, so its failure may have lost later writers' data too, and syncfs
            // would not tell a descriptor opened after the error: every later request fails, without a flush.
            #expect(throws: AtomicDirectoryError.systemCall(operation: "syncfs (an earlier round on this filesystem failed)",
                                                            path: directory, errno: EIO)) {
                try commit.sync(fd, path: directory)
            }
        }
        #expect(flush.rounds == 2)
        #expect(commit.statistics.rounds == 2)
    }

    /// Writers queued behind a round that fails must fail too: that round flushed everything dirty, theirs
    /// included, and a round of their own would report success for data the failure may have lost.
    @Test func writersQueuedBehindAFailedRoundFailWithoutAnotherFlush() throws {
        let flush = ScriptedFlush(holding: [1], failing: [1])
        let commit = GroupCommit(flush: { flush($0) })
        try withDescriptor { fd in
            let (leader, queued) = queueBehindHeldRound(commit, flush, fd: fd, count: 3)
            flush.release(1)
            #expect(eventually { ([leader] + queued).allSatisfy { $0.isDone } })
            for writer in [leader] + queued {
                guard case .systemCall(_, _, let code)? = writer.error else {
                    Issue.record("expected a failed syncfs, got \(String(describing: writer.error))")
                    continue
                }
                #expect(code == EIO)
            }
        }
        #expect(flush.rounds == 1)
        #expect(commit.statistics.rounds == 1)
    }

    /// The order that makes a grouped write crash-safe: the round before the swap sees the old version still
    /// published (the new files are flushed before anyone can be pointed at them), the round after it sees the new one.
    @Test func aGroupedWriteFlushesBeforeItPublishesAndAfter() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let seen = Mutex<[String?]>([])
        let target = dir.target
        let commit = GroupCommit(flush: { _ in
            seen.withLock { $0.append(try? FileManager.default.destinationOfSymbolicLink(atPath: target + "/..data")) }
            return 0
        })
        let writer = AtomicDirectoryWriter(directory: dir.target, configuration: .init(durability: .grouped(commit)))
        let file = { (tag: String) in [FileSpec(name: "cert.pem", contents: Data("certificate \(tag)\n".utf8), mode: 0o644)] }
        guard case .updated(let first) = try writer.write(file("v1")), case .updated(let second) = try writer.write(file("v2"))
        else {
            Issue.record("both writes should update")
            return
        }
        #expect(seen.withLock { $0 } == [nil, first, first, second])
    }

    /// The real syncfs, through the writer: sixteen folders written from eight threads at once all end complete,
    /// and each write asked the commit twice (version, then swap). How many rounds they shared depends on timing.
    @Test func groupedWritesFromManyThreadsAreCompleteWithRealRounds() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let commit = GroupCommit()
        let failures = Mutex<[String]>([])
        let group = DispatchGroup()
        for thread in 0..<8 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                for index in [thread, thread + 8] {
                    let writer = AtomicDirectoryWriter(directory: dir.root + "/out/\(index)",
                                                       configuration: .init(durability: .grouped(commit)))
                    let files = [FileSpec(name: "cert.pem", contents: Data("certificate \(index)\n".utf8), mode: 0o644),
                                 FileSpec(name: "privkey.pem", contents: Data("key \(index)\n".utf8), mode: 0o640)]
                    do {
                        guard case .updated = try writer.write(files) else { throw AtomicDirectoryError.injectedFault(.afterSwap) }
                        guard try writer.read().map(\.contents) == files.map(\.contents) else {
                            throw AtomicDirectoryError.unstableVersion(path: writer.directory)
                        }
                    } catch {
                        failures.withLock { $0.append("\(index): \(error)") }
                    }
                }
            }
        }
        #expect(group.wait(timeout: .now() + 60) == .success)
        #expect(failures.withLock { $0 } == [])
        let statistics = commit.statistics
        #expect(statistics.requests == 32)
        #expect(statistics.rounds >= 1)
        for index in 0..<16 {
            let contents = FileManager.default.contents(atPath: dir.root + "/out/\(index)/cert.pem")
            #expect(contents.map { String(decoding: $0, as: UTF8.self) } == "certificate \(index)\n")
        }
    }
}
