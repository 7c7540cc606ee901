import Foundation
import RotationStrategies
import Testing

/// A controller killed after any durable write, then restarted from what is durable, finishes correctly and never
/// passes through a state that loses both values or commits an unverified one.
@Suite("Crash and resume after every write")
struct CrashResumeTests {
    struct Scenario: CustomStringConvertible, Sendable {
        var strategy: StrategyKind
        var verifies: Bool
        var consumers: Int
        var verificationPasses: Bool
        var rollbackAfterwards: Bool = false

        var description: String {
            "\(strategy.rawValue) verify=\(verifies) consumers=\(consumers) pass=\(verificationPasses)"
                + (rollbackAfterwards ? " +rollback" : "")
        }
    }

    static let scenarios: [Scenario] = StrategyKind.allCases.flatMap { s in
        [Scenario(strategy: s, verifies: false, consumers: 0, verificationPasses: true),
         Scenario(strategy: s, verifies: true, consumers: 2, verificationPasses: true),
         Scenario(strategy: s, verifies: true, consumers: 1, verificationPasses: false)]
    } + [Scenario(strategy: .staged, verifies: true, consumers: 1, verificationPasses: true, rollbackAfterwards: true),
         Scenario(strategy: .blueGreen, verifies: true, consumers: 1, verificationPasses: true, rollbackAfterwards: true)]

    func runner(_ s: Scenario) -> RotationRunner {
        RotationRunner(policy: RotationPolicy(strategy: s.strategy, verifies: s.verifies, tracksConsumers: s.consumers > 0),
                       keys: [Fixtures.password, Fixtures.token])
    }

    /// Runs the scenario to the end, killing the process after write number `kill` (nil: never) and restarting it
    /// once. Returns the environment at the end.
    func play(_ s: Scenario, start: Durable, kill: Int?) async throws -> MemoryEnvironment {
        let r = runner(s)
        let env = MemoryEnvironment(durable: start, verifier: { _ in s.verificationPasses ? .passed : .failed(reason: "no") })
        env.killAfterWrite = kill
        env.now = env.now.addingTimeInterval(3600)  // the rotation happens an hour after provisioning
        var rollbackAsked = false
        for _ in 0..<40 {
            // What a controller derives from durable state: the schedule is due until a rotation was promoted, and
            // a rollback request is pending until a persisted state records that it started.
            let triggers = RotationRunner.Triggers(
                scheduleDue: env.durable.state.lastRotationTime == start.state.lastRotationTime,
                retriesAllowed: false,
                manualRollback: rollbackAsked && !env.events.contains(.rollbackStarted))
            do {
                let (stop, _) = try await r.run(state: env.durable.state, data: env.durable.data, triggers: triggers,
                                                environment: env)
                switch stop {
                case .waiting: env.now = env.now.addingTimeInterval(5)
                case .idle where s.rollbackAfterwards && !rollbackAsked:
                    rollbackAsked = true
                case .idle, .failed: if !triggers.manualRollback || !rollbackAsked { return env }
                case .stepLimit: Issue.record("step limit"); return env
                }
            } catch is Killed {
                env.killAfterWrite = nil  // restarted: memory is gone, only `durable` remains
            }
        }
        Issue.record("did not settle")
        return env
    }

    @Test("every kill point resumes to the same end state", arguments: scenarios)
    func resume(_ s: Scenario) async throws {
        let r = runner(s)
        let start = try await Fixtures.provisioned(r, consumers: s.consumers)
        let old = try #require(r.machine.layout.committed(in: start.data))
        let reference = try await play(s, start: start, kill: nil)
        let totalWrites = reference.writes
        #expect(totalWrites >= 4)

        for kill in 1...totalWrites {
            let env = try await play(s, start: start, kill: kill)
            let end = env.durable
            let committed = try #require(r.machine.layout.committed(in: end.data), "kill after write \(kill)")
            let verifiedOrUnverifiable = Set(env.verified)
            // Invariants at every durable point of the run.
            for snapshot in env.snapshots {
                let live = try #require(r.machine.layout.committed(in: snapshot.data), "value lost (kill \(kill))")
                let hash = ValuesHash.of(live)
                if s.verifies {
                    #expect(live == old || verifiedOrUnverifiable.contains(hash),
                            "an unverified value was committed (kill \(kill))")
                }
                if !s.verificationPasses { #expect(live == old, "a failing candidate went live (kill \(kill))") }
                if s.strategy == .blueGreen, let side = r.machine.layout.activeSide(in: snapshot.data) {
                    #expect(snapshot.data["password.\(side.rawValue)"] == snapshot.data["password"],
                            "KEY does not mirror the active side (kill \(kill))")
                }
            }
            // End state.
            #expect(!end.data.keys.contains { $0.hasSuffix(".pending") }, "pending left behind (kill \(kill))")
            #expect(end.data.text("unrelated") == "keep")
            if !s.verificationPasses {
                #expect(end.state.phase == .failed && committed == old, "kill \(kill)")
                if s.strategy == .blueGreen {
                    #expect(end.data["password.green"] == nil, "failed candidate left on the inactive side")
                }
            } else if s.rollbackAfterwards {
                #expect(end.state.phase == .idle && committed == old, "kill \(kill)")
            } else {
                #expect(end.state.phase == .idle && committed != old, "kill \(kill)")
                #expect(end.state.revision == 2, "kill \(kill)")
                if s.verifies { #expect(verifiedOrUnverifiable.contains(ValuesHash.of(committed))) }
                let stamp = ValuesHash.revisionStamp(valuesHash: ValuesHash.of(committed))
                #expect(end.consumers.allSatisfy { $0.stamp == stamp && $0.rolledOut }, "kill \(kill)")
                switch s.strategy {
                case .staged, .blueGreen: #expect(r.machine.layout.previous(in: end.data) == old, "kill \(kill)")
                case .immediate, .dualWrite: #expect(r.machine.layout.previous(in: end.data) == nil, "kill \(kill)")
                }
            }
        }
    }
}
