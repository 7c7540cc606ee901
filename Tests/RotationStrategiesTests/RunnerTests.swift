import Foundation
import RotationStrategies
import Testing

@Suite("Rotation runs, in memory")
struct RunnerTests {
    func runner(_ strategy: StrategyKind, verifies: Bool = false, consumers: Bool = false,
                onTimeout: MigrationTimeoutPolicy = .rollback, automatic: Bool = true,
                maxConcurrent: Int = 1) -> RotationRunner {
        RotationRunner(policy: RotationPolicy(strategy: strategy, verifies: verifies, tracksConsumers: consumers,
                                              migrationTimeout: 300, onMigrationTimeout: onTimeout,
                                              automaticRollback: automatic, maxConcurrentRollouts: maxConcurrent),
                       keys: [Fixtures.password, Fixtures.basicAuth])
    }

    /// Runs until the runner stops somewhere other than waiting, moving the clock between waits.
    @discardableResult
    func drive(_ r: RotationRunner, _ env: MemoryEnvironment, triggers: RotationRunner.Triggers,
               limit: Int = 50) async throws -> RotationRunner.Stop {
        var triggers = triggers
        for _ in 0..<limit {
            let (stop, _) = try await r.run(state: env.durable.state, data: env.durable.data, triggers: triggers,
                                            environment: env)
            triggers.manualRotate = false
            triggers.manualRollback = false
            triggers.scheduleDue = false
            guard case .waiting(let until) = stop else { return stop }
            env.now = max(env.now.addingTimeInterval(1), min(until, env.now.addingTimeInterval(5)))
        }
        Issue.record("rotation did not settle")
        return .stepLimit
    }

    @Test("first run provisions every value key directly, keeps unrelated keys, revision 1",
          arguments: StrategyKind.allCases)
    func provisions(strategy: StrategyKind) async throws {
        let r = runner(strategy)
        let durable = try await Fixtures.provisioned(r)
        #expect(durable.state.phase == .idle && durable.state.revision == 1)
        for key in ["password", "admin", "admin.username", "admin.password"] { #expect(durable.data[key] != nil) }
        #expect(durable.data.text("admin.username") == "admin")
        #expect(durable.data.text("admin")?.hasPrefix("admin:$2y$04$") == true)
        #expect(durable.data.text("unrelated") == "keep")
        #expect(durable.data.keys.contains { $0.hasSuffix(".pending") } == false)
        if strategy == .blueGreen { #expect(durable.data.text("active") == "blue") }
    }

    @Test("a scheduled rotation without verification or consumers promotes and finalizes in one run",
          arguments: StrategyKind.allCases)
    func rotates(strategy: StrategyKind) async throws {
        let r = runner(strategy)
        let env = MemoryEnvironment(durable: try await Fixtures.provisioned(r))
        let old = try #require(r.machine.layout.committed(in: env.durable.data))
        let stop = try await drive(r, env, triggers: .init(scheduleDue: true))
        #expect(stop == .idle)
        let data = env.durable.data
        let new = try #require(r.machine.layout.committed(in: data))
        #expect(new["password"] != old["password"])
        #expect(env.durable.state.revision == 2 && env.durable.state.phase == .idle)
        #expect(env.durable.state.candidateHash == nil && env.durable.state.lastRotationTime == env.now)
        switch strategy {
        case .immediate, .dualWrite: #expect(r.machine.layout.previous(in: data) == nil)
        case .staged, .blueGreen: #expect(r.machine.layout.previous(in: data) == old)
        }
        #expect(!data.keys.contains { $0.hasSuffix(".pending") })
        if strategy == .blueGreen {
            #expect(data.text("active") == "green" && data["password.green"] == new["password"])
        }
        // The basicAuth htpasswd line belongs to the new password.
        let line = try #require(data.text("admin"))
        #expect(line.hasPrefix("admin:$2y$"))
        #expect(env.events.contains(.promoted(revision: 2)))
        #expect(env.events.contains(.finalized(revision: 2, timedOut: false)))
    }

    @Test("verification sees exactly the candidate; a pass promotes what was verified", arguments: StrategyKind.allCases)
    func verificationPass(strategy: StrategyKind) async throws {
        let r = runner(strategy, verifies: true)
        let env = MemoryEnvironment(durable: try await Fixtures.provisioned(r))
        let old = try #require(r.machine.layout.committed(in: env.durable.data))
        env.verifier = { candidate in
            // Only the candidate is acceptable: not the committed value, and complete.
            candidate["password"] != old["password"] && candidate.count == 4 ? .passed : .failed(reason: "401")
        }
        #expect(try await drive(r, env, triggers: .init(manualRotate: true)) == .idle)
        let committed = try #require(r.machine.layout.committed(in: env.durable.data))
        #expect(env.verified == [ValuesHash.of(committed)])
        #expect(env.events.contains(.rotationStarted(manual: true)))
    }

    @Test("a failed verification discards the candidate, keeps the old value and backs off",
          arguments: StrategyKind.allCases)
    func verificationFail(strategy: StrategyKind) async throws {
        let r = runner(strategy, verifies: true)
        let before = try await Fixtures.provisioned(r)
        let env = MemoryEnvironment(durable: before, verifier: { _ in .failed(reason: "HTTP 401, expected 200") })
        let stop = try await drive(r, env, triggers: .init(scheduleDue: true))
        #expect(stop == .failed(retryAt: env.now.addingTimeInterval(60)))
        #expect(env.durable.data == before.data, "the Secret is exactly as before the attempt")
        #expect(env.durable.state.phase == .failed && env.durable.state.cause == .verificationFailed)
        #expect(env.durable.state.failedAttempts == 1 && env.durable.state.revision == 1)
        #expect(env.events.contains(.rolledBack(.discardedCandidate, cause: .verificationFailed, revision: 1)))

        // Not retried before the backoff; retried after it (and the second failure doubles it).
        #expect(try await drive(r, env, triggers: .init()) == .failed(retryAt: env.now.addingTimeInterval(60)))
        env.now = env.now.addingTimeInterval(60)
        #expect(try await drive(r, env, triggers: .init()) == .failed(retryAt: env.now.addingTimeInterval(120)))
        #expect(env.verified.count == 2 && env.verified[0] != env.verified[1], "each attempt has a fresh candidate")

        // Then it passes.
        env.verifier = { _ in .passed }
        env.now = env.now.addingTimeInterval(120)
        #expect(try await drive(r, env, triggers: .init()) == .idle)
        #expect(env.durable.state.failedAttempts == 0 && env.durable.state.revision == 2)
    }

    @Test("consumers roll one at a time by default and the old value stays valid until they have")
    func dualWriteMigration() async throws {
        let r = runner(.dualWrite, consumers: true)
        let env = MemoryEnvironment(durable: try await Fixtures.provisioned(r, consumers: 3), rolloutObservations: 2)
        let old = try #require(r.machine.layout.committed(in: env.durable.data))
        var stop = try await r.run(state: env.durable.state, data: env.durable.data,
                                   triggers: .init(scheduleDue: true), environment: env).stop
        guard case .waiting = stop else { Issue.record("expected to wait for rollouts, got \(stop)"); return }
        #expect(env.durable.state.phase == .migrating)
        #expect(r.machine.layout.previous(in: env.durable.data) == old, "both values valid while migrating")
        stop = try await drive(r, env, triggers: .init())
        #expect(stop == .idle)
        #expect(env.maxRolling == 1)
        let stamp = ValuesHash.revisionStamp(valuesHash: ValuesHash.of(try #require(
            r.machine.layout.committed(in: env.durable.data))))
        #expect(env.durable.consumers.allSatisfy { $0.stamp == stamp && $0.rolledOut })
        #expect(r.machine.layout.previous(in: env.durable.data) == nil, "KEY.previous removed once all migrated")
    }

    @Test("maxConcurrentRollouts bounds the rollouts in flight")
    func concurrency() async throws {
        let r = runner(.staged, consumers: true, maxConcurrent: 2)
        let env = MemoryEnvironment(durable: try await Fixtures.provisioned(r, consumers: 5), rolloutObservations: 3)
        #expect(try await drive(r, env, triggers: .init(scheduleDue: true)) == .idle)
        #expect(env.maxRolling == 2)
    }

    @Test("migration timeout with rollback restores the previous value and restamps moved consumers",
          arguments: [StrategyKind.staged, .dualWrite, .blueGreen])
    func timeoutRollback(strategy: StrategyKind) async throws {
        let r = runner(strategy, consumers: true, onTimeout: .rollback)
        let before = try await Fixtures.provisioned(r, consumers: 2)
        let env = MemoryEnvironment(durable: before, rolloutObservations: nil)
        let old = try #require(r.machine.layout.committed(in: before.data))
        let stop = try await drive(r, env, triggers: .init(scheduleDue: true), limit: 200)
        guard case .failed = stop else { Issue.record("expected Failed, got \(stop)"); return }
        #expect(r.machine.layout.committed(in: env.durable.data) == old)
        #expect(env.durable.state.cause == .migrationTimedOut && env.durable.state.revision == 3)
        let oldStamp = ValuesHash.revisionStamp(valuesHash: ValuesHash.of(old))
        #expect(env.durable.consumers[0].stamp == oldStamp, "the moved consumer went back to the old revision")
        #expect(env.durable.consumers[1].stamp == nil, "the one never moved is left alone")
        #expect(env.events.contains(.rolledBack(.restoredPrevious, cause: .migrationTimedOut, revision: 3)))
    }

    @Test("migration timeout with promote keeps the new value and finishes", arguments: StrategyKind.allCases)
    func timeoutPromote(strategy: StrategyKind) async throws {
        let r = runner(strategy, consumers: true, onTimeout: .promote)
        let env = MemoryEnvironment(durable: try await Fixtures.provisioned(r, consumers: 2), rolloutObservations: nil)
        let old = try #require(r.machine.layout.committed(in: env.durable.data))
        #expect(try await drive(r, env, triggers: .init(scheduleDue: true), limit: 200) == .idle)
        #expect(r.machine.layout.committed(in: env.durable.data) != old)
        #expect(env.durable.state.revision == 2)
        #expect(env.events.contains(.finalized(revision: 2, timedOut: true)))
        if strategy == .dualWrite { #expect(r.machine.layout.previous(in: env.durable.data) == nil) }
    }

    @Test("immediate keeps no previous value, so a rollback timeout policy keeps the new one")
    func immediateTimeout() async throws {
        let r = runner(.immediate, consumers: true, onTimeout: .rollback)
        let env = MemoryEnvironment(durable: try await Fixtures.provisioned(r, consumers: 1), rolloutObservations: nil)
        #expect(try await drive(r, env, triggers: .init(scheduleDue: true), limit: 200) == .idle)
        #expect(env.durable.state.revision == 2)
        #expect(env.events.contains(.finalized(revision: 2, timedOut: true)))
    }

    @Test("without automatic rollback a timed-out migration holds with both values until consumers finish")
    func timeoutHold() async throws {
        let r = runner(.dualWrite, consumers: true, onTimeout: .rollback, automatic: false)
        let env = MemoryEnvironment(durable: try await Fixtures.provisioned(r, consumers: 1), rolloutObservations: nil)
        _ = try await r.run(state: env.durable.state, data: env.durable.data, triggers: .init(scheduleDue: true),
                            environment: env)
        env.now = env.now.addingTimeInterval(600)
        let stop = try await r.run(state: env.durable.state, data: env.durable.data, triggers: .init(),
                                   environment: env).stop
        guard case .waiting = stop else { Issue.record("expected to hold, got \(stop)"); return }
        #expect(env.durable.state.phase == .migrating)
        #expect(r.machine.layout.previous(in: env.durable.data) != nil)
        // The consumer finally rolls out: the rotation completes.
        env.durable.consumers[0].rolledOut = true
        #expect(try await drive(r, env, triggers: .init()) == .idle)
        #expect(env.durable.state.revision == 2)
    }

    @Test("manual rollback from idle restores the previous value; blueGreen flips back and forth",
          arguments: [StrategyKind.staged, .blueGreen])
    func manualRollback(strategy: StrategyKind) async throws {
        let r = runner(strategy)
        let env = MemoryEnvironment(durable: try await Fixtures.provisioned(r))
        let first = try #require(r.machine.layout.committed(in: env.durable.data))
        try await drive(r, env, triggers: .init(scheduleDue: true))
        let second = try #require(r.machine.layout.committed(in: env.durable.data))
        #expect(try await drive(r, env, triggers: .init(manualRollback: true)) == .idle)
        #expect(r.machine.layout.committed(in: env.durable.data) == first)
        #expect(env.durable.state.cause == .manualRollback && env.durable.state.revision == 3)
        if strategy == .blueGreen {
            #expect(env.durable.data.text("active") == "blue")
            // The rolled-back side was verified once: a second rollback rolls forward to it.
            #expect(try await drive(r, env, triggers: .init(manualRollback: true)) == .idle)
            #expect(r.machine.layout.committed(in: env.durable.data) == second)
        } else {
            // staged dropped KEY.previous with the rollback: there is nothing further back.
            try await drive(r, env, triggers: .init(manualRollback: true))
            #expect(env.events.last == .rollbackUnavailable(.noPreviousValue))
            #expect(r.machine.layout.committed(in: env.durable.data) == first)
        }
    }

    @Test("manual rollback is refused where nothing can be restored")
    func rollbackUnavailable() async throws {
        let immediate = runner(.immediate)
        let env = MemoryEnvironment(durable: try await Fixtures.provisioned(immediate))
        try await drive(immediate, env, triggers: .init(manualRollback: true))
        #expect(env.events.last == .rollbackUnavailable(.strategyKeepsNoPrevious(.immediate)))
        let dual = runner(.dualWrite)
        let env2 = MemoryEnvironment(durable: try await Fixtures.provisioned(dual))
        try await drive(dual, env2, triggers: .init(scheduleDue: true))
        try await drive(dual, env2, triggers: .init(manualRollback: true))
        #expect(env2.events.last == .rollbackUnavailable(.noPreviousValue))
    }

    @Test("a manual rollback during migration abandons the new value at once")
    func rollbackWhileMigrating() async throws {
        let r = runner(.dualWrite, consumers: true)
        let env = MemoryEnvironment(durable: try await Fixtures.provisioned(r, consumers: 2), rolloutObservations: nil)
        let old = try #require(r.machine.layout.committed(in: env.durable.data))
        _ = try await r.run(state: env.durable.state, data: env.durable.data, triggers: .init(scheduleDue: true),
                            environment: env)
        #expect(env.durable.state.phase == .migrating)
        #expect(try await drive(r, env, triggers: .init(manualRollback: true)) == .idle)
        #expect(r.machine.layout.committed(in: env.durable.data) == old)
        #expect(env.durable.data["password.previous"] == nil)
        #expect(env.durable.consumers[0].stamp == ValuesHash.revisionStamp(valuesHash: ValuesHash.of(old)))
    }

    @Test("manual rotation while failed retries at once, bypassing the backoff")
    func manualRetry() async throws {
        let r = runner(.staged, verifies: true)
        let env = MemoryEnvironment(durable: try await Fixtures.provisioned(r), verifier: { _ in .failed(reason: "x") })
        try await drive(r, env, triggers: .init(scheduleDue: true))
        #expect(env.durable.state.phase == .failed)
        env.verifier = { _ in .passed }
        #expect(try await drive(r, env, triggers: .init(manualRotate: true)) == .idle)
        #expect(env.durable.state.revision == 2)
    }
}
