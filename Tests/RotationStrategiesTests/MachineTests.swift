import Foundation
import RotationStrategies
import Testing

@Suite("State machine")
struct MachineTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("the transition table is closed and Idle reaches every phase")
    func table() {
        var reached: Set<Phase> = [.idle]
        var frontier: [Phase] = [.idle]
        while let p = frontier.popLast() {
            for n in p.successors where reached.insert(n).inserted { frontier.append(n) }
        }
        #expect(reached == Set(Phase.allCases))
        #expect(!Phase.verifying.canTransition(to: .finalizing), "verification cannot be skipped on the way out")
        #expect(!Phase.generating.canTransition(to: .migrating))
        #expect(Phase.allCases.filter(\.isInProgress).count == 6)
    }

    @Test("Promoting is entered only from a passed verification when verification is configured")
    func onlyVerifiedPromote() {
        let m = RotationMachine(policy: RotationPolicy(strategy: .staged, verifies: true), valueKeys: ["k"])
        var s = RotationState()
        s = m.beginRotation(s, now: now)
        s = m.candidateWritten(m.recordingCandidate(s, ["k": Data("c".utf8)]), now: now)
        #expect(s.phase == .verifying)
        #expect(m.verificationPassed(s, now: now).phase == .promoting)
        #expect(m.verificationFailed(s, now: now).phase == .rollingBack)
    }

    @Test("promotion is idempotent and never overwrites KEY.previous with the new value")
    func promoteTwice() {
        let m = RotationMachine(policy: RotationPolicy(strategy: .staged), valueKeys: ["k"])
        var s = m.beginRotation(RotationState(phase: .idle, revision: 1), now: now)
        let candidate = ["k": Data("new".utf8)]
        s = m.candidateWritten(m.recordingCandidate(s, candidate), now: now)
        let data = m.writingCandidate(candidate, into: ["k": Data("old".utf8)])
        let first = m.promote(s, data: data, now: now)
        let promoted = first.data!
        // Crash before the state was persisted: Promoting runs again on the promoted Secret.
        let again = m.promote(s, data: promoted, now: now)
        #expect(again.data == nil)
        #expect(again.state == first.state)
        #expect(promoted["k.previous"] == Data("old".utf8))
    }

    @Test("a candidate that vanished before promotion is abandoned, not promoted")
    func lostCandidate() {
        let m = RotationMachine(policy: RotationPolicy(strategy: .dualWrite), valueKeys: ["k"])
        var s = m.beginRotation(RotationState(phase: .idle, revision: 1), now: now)
        s = m.candidateWritten(m.recordingCandidate(s, ["k": Data("new".utf8)]), now: now)
        let step = m.promote(s, data: ["k": Data("old".utf8)], now: now)
        #expect(step.data == nil && step.state.phase == .rollingBack && step.state.cause == .candidateLost)
        // A pending value that is not the recorded candidate is not promoted either.
        let forged = m.promote(s, data: ["k": Data("old".utf8), "k.pending": Data("forged".utf8)], now: now)
        #expect(forged.state.phase == .rollingBack)
    }

    @Test("migration decisions respect the concurrency bound and the timeout policies")
    func migration() {
        let policy = RotationPolicy(strategy: .dualWrite, tracksConsumers: true, maxConcurrentRollouts: 2)
        let consumers = [
            ConsumerObservation(id: "a", stamp: "new", rolledOut: true),
            ConsumerObservation(id: "b", stamp: "new", rolledOut: false),
            ConsumerObservation(id: "c", stamp: "old", rolledOut: true),
            ConsumerObservation(id: "d", stamp: nil, rolledOut: true),
        ]
        let deadline = now.addingTimeInterval(10)
        let d = ConsumerMigration.decide(consumers: consumers, stamp: "new", maxConcurrent: 2, now: now,
                                         deadline: deadline, policy: policy)
        #expect(d.toRollOut == ["c"] && d.migrated == ["a"] && d.pending == ["b", "c", "d"])
        #expect(d.outcome == .inProgress(deadline: deadline))

        func late(_ p: RotationPolicy) -> MigrationDecision.Outcome {
            ConsumerMigration.decide(consumers: consumers, stamp: "new", maxConcurrent: 2, now: deadline,
                                     deadline: deadline, policy: p).outcome
        }
        #expect(late(RotationPolicy(strategy: .dualWrite, onMigrationTimeout: .rollback)) == .timedOutRollback)
        #expect(late(RotationPolicy(strategy: .dualWrite, onMigrationTimeout: .promote)) == .timedOutPromote)
        #expect(late(RotationPolicy(strategy: .blueGreen, onMigrationTimeout: .rollback, automaticRollback: false))
                == .timedOutHold)
        #expect(late(RotationPolicy(strategy: .immediate, onMigrationTimeout: .rollback)) == .timedOutPromote)

        let done = ConsumerMigration.decide(consumers: [consumers[0]], stamp: "new", maxConcurrent: 1, now: deadline,
                                            deadline: deadline, policy: policy)
        #expect(done.outcome == .complete, "finishing wins over a deadline that passed at the same moment")
        let none = ConsumerMigration.decide(consumers: [], stamp: "new", maxConcurrent: 1, now: now,
                                            deadline: deadline, policy: policy)
        #expect(none.outcome == .complete)
    }

    @Test("retry backoff doubles from a minute and caps at an hour")
    func backoff() {
        let p = RotationPolicy(strategy: .staged)
        #expect([1, 2, 3, 7, 20].map { p.retryDelay(afterFailures: $0) } == [60, 120, 240, 3600, 3600])
    }

    @Test("a revision read back as Int.max saturates instead of trapping")
    func revisionSaturates() {
        let m = RotationMachine(policy: RotationPolicy(strategy: .staged), valueKeys: ["k"])
        var s = m.beginRotation(RotationState(phase: .idle, revision: .max), now: now)
        let candidate = ["k": Data("new".utf8)]
        s = m.candidateWritten(m.recordingCandidate(s, candidate), now: now)
        let promoted = m.promote(s, data: m.writingCandidate(candidate, into: ["k": Data("old".utf8)]), now: now)
        #expect(promoted.state.revision == .max)
        #expect(Int.max.saturatingIncrement == .max && 41.saturatingIncrement == 42)
    }
}
