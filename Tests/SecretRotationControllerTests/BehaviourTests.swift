import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardTestSupport
import KubernetesClient
import KubernetesResources
import RotationStrategies
@testable import SecretRotationController
import Synchronization
import Testing

@Suite("Reconciler details")
struct BehaviourTests {
    @Test("a spec change after a failure retries at once instead of waiting out the backoff")
    func specChangeRetries() async throws {
        try await Harness.with { h in
            let refusing = try LoopbackHTTPServer { _ in 503 }
            let accepting = try LoopbackHTTPServer { _ in 200 }
            defer { refusing.stop(); accepting.stop() }
            try await h.create("db", .db(.staged, verifyURL: refusing.url))
            try await h.reconcile("db")
            h.clock.advance(by: 3600)
            try await h.reconcile("db")
            #expect(try await h.status("db").phase == .failed)
            try await h.edit("db") { $0.spec.verify?.http?.url = accepting.url }
            try await h.reconcile("db")
            let status = try await h.status("db")
            #expect(status.phase == .idle && status.revision == 2 && status.failedAttempts == nil)
            #expect(accepting.received.count == 1)
        }
    }

    @Test("onChange hooks run after first values, promotions and rollbacks; a failing hook is a Warning, not a failure")
    func hooks() async throws {
        try await Harness.with { h in
            let directory = try TemporaryDirectory(prefix: "keyward-hooks")
            let log = directory.url.appendingPathComponent("hook.log").path
            var spec = SecretRotation.Spec.db(.staged)
            spec.onChange = [
                SecretRotation.Hook(exec: ["/bin/sh", "-c", "echo \"$KEYWARD_SECRET_NAME $KEYWARD_SECRETROTATION\" >> \(log)"]),
                SecretRotation.Hook(exec: ["/bin/sh", "-c", "exit 3"]),
            ]
            try await h.create("db", spec)
            let reconciler = SecretRotationReconciler(store: h.store, events: h.events, clock: h.clock,
                                                      options: .init(runChangeHooks: true), probe: h.probe)
            try await h.reconcile("db", with: reconciler)
            h.clock.advance(by: 3600)
            try await h.reconcile("db", with: reconciler)
            try await h.edit("db") { $0.metadata.annotations[KeywardAnnotations.rollback] = "1" }
            try await h.reconcile("db", with: reconciler)
            let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            #expect(lines == ["db db", "db db", "db db"])
            let failures = await h.sink.events.filter { $0.reason == "HookFailed" }
            #expect(failures.first?.type == .warning && failures.first?.message?.contains("exited with status 3") == true)
            #expect(try await h.status("db").phase == .idle)
        }
    }

    @Test("every key type lands in the Secret under its documented names")
    func keyTypes() async throws {
        try await Harness.with { h in
            var spec = SecretRotation.Spec.db(.dualWrite)
            spec.keys = [
                .init(name: "api-token", generator: .token(.init(bytes: 16, encoding: .hex))),
                .init(name: "instance-id", generator: .uuid),
                .init(name: "signing.key", generator: .privateKey(.init(algorithm: .ed25519))),
                .init(name: "admin", generator: .basicAuth(.init(username: "ops", cost: 4))),
            ]
            try await h.create("db", spec)
            try await h.reconcile("db")
            let data = try await h.data("db")
            #expect(data.text("api-token")?.count == 32)
            #expect(data.text("instance-id")?.count == 36)
            #expect(data.text("signing.key")?.hasPrefix("-----BEGIN PRIVATE KEY-----") == true)
            #expect(data.text("admin.username") == "ops")
            #expect(data.text("admin")?.hasPrefix("ops:$2y$04$") == true)
            h.clock.advance(by: 3600)
            try await h.reconcile("db")
            let rotated = try await h.data("db")
            for key in ["api-token", "instance-id", "signing.key", "admin", "admin.password"] {
                #expect(rotated[key] != data[key], "\(key) rotated")
            }
            #expect(rotated["admin.username"] == data["admin.username"])
            // Private keys never reach Events (the scrubber is a second line of defence; the first is not writing them).
            for message in await h.sink.messages() { #expect(!message.contains("PRIVATE KEY")) }
        }
    }

    @Test("a deleted SecretRotation leaves its Secret alone and drops its metrics")
    func deletion() async throws {
        try await Harness.with { h in
            try await h.create("db", .db(.staged))
            try await h.reconcile("db")
            try await h.store.delete(SecretRotation.self, namespace: "default", name: "db")
            #expect(try await h.reconcile("db") == .done)
            #expect(try await h.data("db")["password"] != nil)
            #expect(!String(decoding: h.metrics.exposition(), as: UTF8.self).contains("name=\"db\""))
        }
    }
}
