import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import RotationStrategies
@testable import SecretRotationController
import Synchronization
import Testing

@Suite("SecretRotation end to end against the test API server")
struct LifecycleTests {
    static let strategies: [SecretRotation.StrategyType] = [.immediate, .staged, .dualWrite, .blueGreen]

    @Test("first reconcile generates the values and reports Ready; nothing leaks into status or Events")
    func provisions() async throws {
        try await Harness.with { h in
            try await h.create("db", .db(.staged))
            let result = try await h.reconcile("db")
            let data = try await h.data("db")
            let password = try #require(data.text("password"))
            #expect(password.count == 24)
            let secret = try #require(try await h.store.get(Secret.self, namespace: "default", name: "db"))
            #expect(secret.metadata.labels[KeywardLabels.owned] == "true")
            let status = try await h.status("db")
            #expect(status.phase == .idle && status.revision == 1)
            #expect(status.conditions[type: "Ready"]?.status == .true)
            #expect(status.conditions[type: "Ready"]?.reason == "Rotated")
            #expect(status.conditions[type: "Rotating"]?.status == .false)
            #expect(status.nextRotationTime == h.clock.now.addingTimeInterval(3600))
            #expect(result.requeueAfter == 3600)
            let json = try JSONValue(encoding: try await h.rotation("db")).jsonString
            #expect(!json.contains(password))
            for message in await h.sink.messages() { #expect(!message.contains(password)) }
            // A second reconcile before the interval writes nothing.
            let before = await h.server.writeLog().count
            try await h.reconcile("db")
            #expect(await h.server.writeLog().count == before)
        }
    }

    @Test("scheduled rotation at the interval writes each strategy's layout", arguments: strategies)
    func scheduled(strategy: SecretRotation.StrategyType) async throws {
        try await Harness.with { h in
            try await h.create("db", .db(strategy))
            try await h.reconcile("db")
            let old = try #require(try await h.data("db").text("password"))
            h.clock.advance(by: 3599)
            try await h.reconcile("db")
            #expect(try await h.status("db").revision == 1, "not yet due")
            h.clock.advance(by: 1)
            let result = try await h.reconcile("db")
            let data = try await h.data("db")
            let new = try #require(data.text("password"))
            #expect(new != old)
            let status = try await h.status("db")
            #expect(status.phase == .idle && status.revision == 2 && status.candidateHash == nil)
            #expect(status.lastRotationTime == h.clock.now && result.requeueAfter == 3600)
            #expect(status.history.first?.revision == 2 && status.history.first?.result == .rotated)
            #expect(!data.keys.contains("password.pending"))
            switch strategy {
            case .staged: #expect(data.text("password.previous") == old)
            case .blueGreen:
                #expect(data.text("active") == "green" && data.text("password.green") == new)
                #expect(data.text("password.blue") == old && status.activeEnvironment == .green)
            default: #expect(data["password.previous"] == nil)
            }
            #expect(await h.sink.reasons(for: "db").contains("Rotated"))
            let metrics = String(decoding: h.metrics.exposition(), as: UTF8.self)
            #expect(metrics.contains("keyward_secretrotation_rotations_total{name=\"db\",namespace=\"default\",strategy=\"\(strategy)\",result=\"success\"} 1"))
            #expect(metrics.contains("keyward_secretrotation_phase{name=\"db\",namespace=\"default\",phase=\"Idle\"} 1"))
        }
    }

    @Test("the keyward.dev/rotate annotation rotates once per request value")
    func manualRotation() async throws {
        try await Harness.with { h in
            try await h.create("db", .db(.immediate))
            try await h.reconcile("db")
            try await h.edit("db") { $0.metadata.annotations[KeywardAnnotations.rotate] = "2026-01-01T00:00:00Z" }
            try await h.reconcile("db")
            var status = try await h.status("db")
            #expect(status.revision == 2 && status.lastRotateRequest == "2026-01-01T00:00:00Z")
            try await h.reconcile("db")
            #expect(try await h.status("db").revision == 2, "the same request value does not rotate again")
            try await h.edit("db") { $0.metadata.annotations[KeywardAnnotations.rotate] = "2026-01-01T00:05:00Z" }
            try await h.reconcile("db")
            status = try await h.status("db")
            #expect(status.revision == 3)
            #expect(await h.sink.reasons(for: "db").filter { $0 == "Generating" }.count == 2)
        }
    }

    @Test("verification against a loopback service that accepts only the candidate", arguments: strategies)
    func verificationPass(strategy: SecretRotation.StrategyType) async throws {
        try await Harness.with { h in
            let committed = Mutex<Set<String>>([])
            let service = try LoopbackHTTPServer { request in
                // A service that knows the current credential and refuses it as a "new" one: only a fresh value passes.
                let presented = request.headers["authorization"]?.replacingOccurrences(of: "Bearer ", with: "") ?? ""
                return presented.count == 24 && !committed.withLock { $0.contains(presented) } ? 200 : 401
            }
            defer { service.stop() }
            try await h.create("db", .db(strategy, verifyURL: service.url))
            try await h.reconcile("db")
            let old = try #require(try await h.data("db").text("password"))
            committed.withLock { _ = $0.insert(old) }
            #expect(service.received.isEmpty, "first values are not verified")
            try await h.edit("db") { $0.metadata.annotations[KeywardAnnotations.rotate] = "now" }
            try await h.reconcile("db")
            let new = try #require(try await h.data("db").text("password"))
            let revision = try await h.status("db").revision
            #expect(new != old && revision == 2)
            #expect(service.received.count == 1)
            #expect(service.received.first?.headers["authorization"] == "Bearer \(new)", "the probe sent the candidate")
            #expect(await h.sink.reasons(for: "db").contains("Verifying"))
        }
    }

    @Test("failed verification keeps the old value, reports VerificationFailed and retries with backoff",
          arguments: strategies)
    func verificationFail(strategy: SecretRotation.StrategyType) async throws {
        try await Harness.with { h in
            let accept = Mutex(false)
            let service = try LoopbackHTTPServer { _ in accept.withLock { $0 } ? 200 : 401 }
            defer { service.stop() }
            try await h.create("db", .db(strategy, verifyURL: service.url))
            try await h.reconcile("db")
            let before = try await h.data("db")
            h.clock.advance(by: 3600)
            let result = try await h.reconcile("db")
            #expect(try await h.data("db") == before, "the Secret is untouched: the candidate was discarded")
            var status = try await h.status("db")
            #expect(status.phase == .failed && status.failedAttempts == 1 && status.revision == 1)
            let ready = try #require(status.conditions[type: "Ready"])
            #expect(ready.status == .false && ready.reason == "VerificationFailed")
            #expect(status.lastError?.contains("answered 401, expected 200") == true)
            #expect(status.history.first?.result == .verificationFailed)
            #expect(result.requeueAfter == 60)
            let warnings = await h.sink.events.filter { $0.type == .warning }.compactMap(\.reason)
            #expect(warnings.contains("VerificationFailed"))
            for message in await h.sink.messages() {
                for request in service.received {
                    #expect(!message.contains(request.headers["authorization"]?.dropFirst(7) ?? "§"))
                }
            }
            // Backoff: nothing before a minute, then a retry that passes.
            h.clock.advance(by: 59)
            try await h.reconcile("db")
            #expect(service.received.count == 1)
            accept.withLock { $0 = true }
            h.clock.advance(by: 1)
            try await h.reconcile("db")
            status = try await h.status("db")
            #expect(status.phase == .idle && status.revision == 2 && status.failedAttempts == nil)
            #expect(status.conditions[type: "Ready"]?.status == .true && status.lastError == nil)
        }
    }

    @Test("manual rollback restores the previous value (staged) and flips back (blueGreen)")
    func manualRollback() async throws {
        try await Harness.with { h in
            for (name, strategy) in [("st", SecretRotation.StrategyType.staged), ("bg", .blueGreen)] {
                try await h.create(name, .db(strategy, secret: name))
                try await h.reconcile(name)
                let first = try #require(try await h.data(name).text("password"))
                h.clock.advance(by: 3600)
                try await h.reconcile(name)
                let second = try #require(try await h.data(name).text("password"))
                try await h.edit(name) { $0.metadata.annotations[KeywardAnnotations.rollback] = "r1" }
                try await h.reconcile(name)
                let data = try await h.data(name)
                #expect(data.text("password") == first)
                let status = try await h.status(name)
                #expect(status.phase == .idle && status.lastRollbackRequest == "r1")
                #expect(status.conditions[type: "Ready"]?.reason == "RolledBack")
                if strategy == .blueGreen {
                    #expect(data.text("active") == "blue" && status.activeEnvironment == .blue)
                    #expect(data.text("password.green") == second, "the rolled-back side is kept")
                } else {
                    #expect(data["password.previous"] == nil)
                }
            }
            #expect(await h.sink.reasons(for: "bg").contains("RolledBack"))
        }
    }

    @Test("rollback that cannot run is refused with a Warning and consumed")
    func rollbackRefused() async throws {
        try await Harness.with { h in
            try await h.create("db", .db(.immediate))
            try await h.reconcile("db")
            let value = try await h.data("db")
            try await h.edit("db") { $0.metadata.annotations[KeywardAnnotations.rollback] = "x" }
            try await h.reconcile("db")
            #expect(try await h.data("db") == value)
            #expect(try await h.status("db").lastRollbackRequest == "x")
            let warning = await h.sink.events.last { $0.reason == "RolledBack" }
            #expect(warning?.type == .warning && warning?.message?.contains("keeps no previous value") == true)
        }
    }

    @Test("a second SecretRotation owning a key of the same Secret is InvalidSpec; the first keeps working")
    func keyConflict() async throws {
        try await Harness.with { h in
            try await h.create("first", .db(.staged))
            try await h.reconcile("first")
            h.clock.advance(by: 1)
            try await h.create("second", .db(.immediate))
            try await h.reconcile("second")
            let status = try await h.status("second")
            let ready = try #require(status.conditions[type: "Ready"])
            #expect(ready.status == .false && ready.reason == "InvalidSpec")
            #expect(ready.message.contains("\"password\"") && ready.message.contains("first"))
            #expect(await h.sink.reasons(for: "second").contains("InvalidSpec"))
            // A different key of the same Secret is fine.
            var other = SecretRotation.Spec.db(.staged)
            other.keys = [SecretRotation.Key(name: "token", generator: .token())]
            try await h.create("third", other)
            try await h.reconcile("third")
            let data = try await h.data("db")
            #expect(data["token"] != nil && data["password"] != nil)
            try await h.reconcile("first")
            #expect(try await h.status("first").conditions[type: "Ready"]?.status == .true)
        }
    }

    @Test("an invalid spec is InvalidSpec with the field, an Event, and no Secret")
    func invalidSpec() async throws {
        try await Harness.with { h in
            var spec = SecretRotation.Spec.db(.staged)
            spec.interval = "30s"
            try await h.create("db", spec)
            #expect(try await h.reconcile("db") == .done)
            let ready = try #require(try await h.status("db").conditions[type: "Ready"])
            #expect(ready.reason == "InvalidSpec" && ready.message.hasPrefix("spec.interval"))
            #expect(try await h.store.get(Secret.self, namespace: "default", name: "db") == nil)
            #expect(await h.sink.reasons(for: "db") == ["InvalidSpec"])
        }
    }

    @Test("suspend stops scheduled rotations but not manual ones")
    func suspend() async throws {
        try await Harness.with { h in
            var spec = SecretRotation.Spec.db(.staged)
            spec.suspend = true
            try await h.create("db", spec)
            try await h.reconcile("db")
            h.clock.advance(by: 7200)
            #expect(try await h.reconcile("db") == .done)
            var status = try await h.status("db")
            #expect(status.revision == 1 && status.conditions[type: "Ready"]?.reason == "Suspended")
            try await h.edit("db") { $0.metadata.annotations[KeywardAnnotations.rotate] = "now" }
            try await h.reconcile("db")
            status = try await h.status("db")
            #expect(status.revision == 2)
        }
    }
}
