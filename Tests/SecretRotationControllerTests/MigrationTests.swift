import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import RotationStrategies
@testable import SecretRotationController
import Testing

@Suite("Consumer rollouts")
struct MigrationTests {
    static func consumers(_ names: [String], discover: Bool = false, max: Int = 1) -> SecretRotation.Consumers {
        SecretRotation.Consumers(workloads: names.map { .init(kind: .deployment, name: $0) }, discover: discover,
                                 maxConcurrentRollouts: max)
    }

    @Test("dual-write keeps both values while simulated rollouts run one at a time, then drops the old one")
    func dualWriteWithSimulatedRollouts() async throws {
        // The simulated Deployment controller finishes a rollout 2s (on the shared manual clock) after it starts.
        try await Harness.with(rollout: .after(.seconds(2))) { h in
            for name in ["api", "worker", "cron"] { try await h.createDeployment(name, usingSecret: "db") }
            try await h.create("db", .db(.dualWrite, consumers: Self.consumers(["api", "worker", "cron"])))
            try await h.reconcile("db")
            let old = try #require(try await h.data("db").text("password"))
            h.clock.advance(by: 3600)
            let first = try await h.reconcile("db")
            #expect(first.requeueAfter == 5, "polls rollouts while migrating")
            var status = try await h.status("db")
            #expect(status.phase == .migrating)
            let data = try await h.data("db")
            let new = try #require(data.text("password"))
            #expect(data.text("password.previous") == old, "both values valid while consumers migrate")
            let stamp = ValuesHash.revisionStamp(valuesHash: ValuesHash.of(["password": Data(new.utf8)]))
            #expect(try await h.stamp("api", secret: "db") == stamp)
            #expect(try await h.stamp("worker", secret: "db") == nil, "one rollout at a time")
            #expect(status.consumers?.pending == ["Deployment/api", "Deployment/worker", "Deployment/cron"])

            var maxRolling = 0
            let settled = try await h.eventually(timeout: 20) {
                try await h.reconcile("db")
                h.clock.advance(by: 1)
                let rolling = try await h.deployments().filter { d in
                    !d.isRolledOut && d.template.metadata?.annotations?[
                        KeywardAnnotations.podTemplateRevision(secretName: "db")] == stamp
                }.count
                maxRolling = max(maxRolling, rolling)
                return try await h.status("db").phase == .idle
            }
            if !settled {
                let summary = try await h.deployments().map { d in
                    "\(d.metadata.name) gen=\(d.metadata.generation ?? 0) status=\(String(describing: d.status))"
                }
                Issue.record("not settled: \(try await h.status("db").consumers.map { "\($0)" } ?? "-") \(summary)")
            }
            #expect(maxRolling <= 1)
            #expect(h.clock.now.timeIntervalSince(try #require(status.lastRotationTime)) < 60, "well within the timeout")
            status = try await h.status("db")
            #expect(status.revision == 2 && status.consumers?.migrated == 3 && status.consumers?.pending == [])
            for name in ["api", "worker", "cron"] { #expect(try await h.stamp(name, secret: "db") == stamp) }
            #expect(try await h.data("db")["password.previous"] == nil, "old value dropped once all rolled out")
        }
    }

    @Test("discover finds every workload whose pod template references the Secret")
    func discovery() async throws {
        try await Harness.with { h in
            try await h.createDeployment("uses-db", usingSecret: "db")
            try await h.createDeployment("unrelated", usingSecret: "other")
            try await h.create("db", .db(.staged, consumers: .init(discover: true, maxConcurrentRollouts: 5)))
            try await h.reconcile("db")
            h.clock.advance(by: 3600)
            try await h.reconcile("db")
            #expect(try await h.status("db").consumers?.pending == ["Deployment/uses-db"])
            #expect(try await h.stamp("uses-db", secret: "db") != nil)
            #expect(try await h.stamp("unrelated", secret: "db") == nil)
            try await h.settle("db")
            #expect(try await h.status("db").revision == 2)
        }
    }

    /// Naming a workload in spec.consumers.workloads restarts it only if its pod template references the Secret or
    /// its owner consents: otherwise a tenant who may create SecretRotations could restart any workload of the
    /// namespace every interval.
    @Test("an explicit consumer that does not use the Secret is not restarted without the workload's consent")
    func explicitConsumerNeedsTheSecretOrConsent() async throws {
        try await Harness.with { h in
            try await h.createDeployment("uses-db", usingSecret: "db")
            try await h.createDeployment("payments", usingSecret: nil)
            try await h.createDeployment("reads-via-api", usingSecret: nil,
                                         annotations: [KeywardAnnotations.allowRollout: "Certificate/db, SecretRotation/db"])
            try await h.createDeployment("other-consent", usingSecret: nil,
                                         annotations: [KeywardAnnotations.allowRollout: "SecretRotation/not-db"])
            try await h.create("db", .db(.staged, consumers: Self.consumers(["payments", "uses-db", "reads-via-api", "other-consent"],
                                                                            max: 5)))
            try await h.reconcile("db")
            h.clock.advance(by: 3600)
            try await h.reconcile("db")
            #expect(try await h.status("db").consumers?.pending == ["Deployment/uses-db", "Deployment/reads-via-api"])
            #expect(try await h.stamp("uses-db", secret: "db") != nil)
            #expect(try await h.stamp("reads-via-api", secret: "db") != nil)
            #expect(try await h.stamp("payments", secret: "db") == nil)
            #expect(try await h.stamp("other-consent", secret: "db") == nil)
            let refusals = await h.sink.events.filter { $0.reason == "ConsumerRefused" }
            #expect(!refusals.isEmpty && refusals.allSatisfy { $0.type == .warning })
            let message = refusals.first?.message ?? ""
            #expect(message.contains("Deployment/payments, Deployment/other-consent")
                && message.contains("keyward.dev/allow-rollout=SecretRotation/db"), "\(message)")
            try await h.settle("db")
            #expect(try await h.status("db").revision == 2)
            #expect(try await h.stamp("payments", secret: "db") == nil)
        }
    }

    @Test("maxConcurrentRollouts stamps that many consumers at once")
    func concurrency() async throws {
        try await Harness.with { h in
            for n in 0..<4 { try await h.createDeployment("app\(n)", usingSecret: "db") }
            try await h.create("db", .db(.staged, consumers: Self.consumers((0..<4).map { "app\($0)" }, max: 2)))
            try await h.reconcile("db")
            h.clock.advance(by: 3600)
            try await h.reconcile("db")
            var stamped = 0
            for n in 0..<4 where try await h.stamp("app\(n)", secret: "db") != nil { stamped += 1 }
            #expect(stamped == 2)
        }
    }

    @Test("migration timeout with onMigrationTimeout: rollback restores the old value and moved consumers",
          arguments: [SecretRotation.StrategyType.staged, .dualWrite, .blueGreen])
    func timeoutRollback(strategy: SecretRotation.StrategyType) async throws {
        try await Harness.with(rollout: .never) { h in
            try await h.createDeployment("api", usingSecret: "db")
            try await h.createDeployment("worker", usingSecret: "db")
            try await h.create("db", .db(strategy, consumers: Self.consumers(["api", "worker"]),
                                         rollback: .init(onMigrationTimeout: .rollback)))
            try await h.reconcile("db")
            let old = try #require(try await h.data("db").text("password"))
            let oldStamp = ValuesHash.revisionStamp(valuesHash: ValuesHash.of(["password": Data(old.utf8)]))
            h.clock.advance(by: 3600)
            try await h.reconcile("db")
            #expect(try await h.status("db").phase == .migrating)
            h.clock.advance(by: 299)
            try await h.reconcile("db")
            #expect(try await h.status("db").phase == .migrating, "not before the 5m timeout")
            h.clock.advance(by: 1)
            let result = try await h.reconcile("db")
            let status = try await h.status("db")
            #expect(status.phase == .failed && result.requeueAfter == 60)
            #expect(status.conditions[type: "Ready"]?.reason == "MigrationTimedOut")
            #expect(status.lastError?.contains("Deployment/api") == true)
            #expect(status.history.first?.result == .migrationTimedOut)
            #expect(try await h.data("db").text("password") == old)
            #expect(try await h.stamp("api", secret: "db") == oldStamp, "moved consumer rolled back")
            #expect(try await h.stamp("worker", secret: "db") == nil)
            #expect(await h.sink.events.contains { $0.type == .warning && $0.reason == "RolledBack" })
        }
    }

    @Test("migration timeout with onMigrationTimeout: promote keeps the new value", arguments: [
        SecretRotation.StrategyType.immediate, .staged, .dualWrite, .blueGreen])
    func timeoutPromote(strategy: SecretRotation.StrategyType) async throws {
        try await Harness.with(rollout: .never) { h in
            try await h.createDeployment("api", usingSecret: "db")
            try await h.create("db", .db(strategy, consumers: Self.consumers(["api"]),
                                         rollback: .init(onMigrationTimeout: .promote), migrationTimeout: "2m"))
            try await h.reconcile("db")
            let old = try #require(try await h.data("db").text("password"))
            h.clock.advance(by: 3600)
            try await h.reconcile("db")
            h.clock.advance(by: 120)
            try await h.reconcile("db")
            let status = try await h.status("db")
            #expect(status.phase == .idle && status.revision == 2)
            let data = try await h.data("db")
            #expect(data.text("password") != old)
            if strategy == .dualWrite { #expect(data["password.previous"] == nil) }
            #expect(await h.sink.events.contains { $0.type == .warning && $0.reason == "MigrationTimedOut" })
        }
    }

    @Test("without automatic rollback a timed-out migration holds with Ready=False until consumers finish")
    func timeoutHold() async throws {
        try await Harness.with { h in
            try await h.createDeployment("api", usingSecret: "db")
            try await h.create("db", .db(.dualWrite, consumers: Self.consumers(["api"]),
                                         rollback: .init(automatic: false, onMigrationTimeout: .rollback)))
            try await h.reconcile("db")
            h.clock.advance(by: 3600)
            try await h.reconcile("db")
            h.clock.advance(by: 600)
            try await h.reconcile("db")
            var status = try await h.status("db")
            #expect(status.phase == .migrating)
            #expect(status.conditions[type: "Ready"]?.status == .false)
            #expect(status.conditions[type: "Ready"]?.reason == "MigrationTimedOut")
            #expect(try await h.data("db")["password.previous"] != nil)
            try await h.completeAllRollouts()
            try await h.reconcile("db")
            status = try await h.status("db")
            #expect(status.phase == .idle && status.revision == 2 && status.conditions[type: "Ready"]?.status == .true)
        }
    }

    @Test("blue-green: flip to the verified side, consumers follow, and a rollback flips straight back")
    func blueGreenFlipAndRollback() async throws {
        try await Harness.with { h in
            try await h.createDeployment("api", usingSecret: "db")
            try await h.create("db", .db(.blueGreen, consumers: Self.consumers(["api"])))
            try await h.reconcile("db")
            var data = try await h.data("db")
            let blue = try #require(data.text("password.blue"))
            #expect(data.text("active") == "blue" && data.text("password") == blue)
            h.clock.advance(by: 3600)
            try await h.settle("db")
            data = try await h.data("db")
            let green = try #require(data.text("password.green"))
            #expect(data.text("active") == "green" && data.text("password") == green && data.text("password.blue") == blue)
            let greenStamp = ValuesHash.revisionStamp(valuesHash: ValuesHash.of(["password": Data(green.utf8)]))
            #expect(try await h.stamp("api", secret: "db") == greenStamp)

            try await h.edit("db") { $0.metadata.annotations[KeywardAnnotations.rollback] = "now" }
            try await h.reconcile("db")
            data = try await h.data("db")
            #expect(data.text("active") == "blue" && data.text("password") == blue)
            let blueStamp = ValuesHash.revisionStamp(valuesHash: ValuesHash.of(["password": Data(blue.utf8)]))
            #expect(try await h.stamp("api", secret: "db") == blueStamp, "the consumer rolls back with the flip")
            let status = try await h.status("db")
            #expect(status.activeEnvironment == .blue && status.revision == 3 && status.phase == .idle)
        }
    }
}
