import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import RotationStrategies
import SecretGenerators
@testable import SecretRotationController
import Testing

// Bad-input corpus for SecretRotations (issue 8), at the reconciler: invalid specs (refused by the CRD schema at
// admission, or InvalidSpec naming the field, with an Event and no Secret), a valid rotation whose spec turns
// invalid (its Secret keeps its values), and Secrets tampered with by hand (repaired without changing the live value).

struct RotationSpecCase: CustomTestStringConvertible, Sendable {
    var name: String
    var field: String
    var mutate: @Sendable (inout SecretRotation.Spec) -> Void
    var testDescription: String { name }
}

let invalidRotationSpecs: [RotationSpecCase] = [
    .init(name: "secretName with upper case", field: "spec.secretName") { $0.secretName = "DB" },
    .init(name: "no keys", field: "spec.keys") { $0.keys = [] },
    .init(name: "duplicate key names", field: "spec.keys[1].name") {
        $0.keys = [.init(name: "password", generator: .password()), .init(name: "password", generator: .token())]
    },
    .init(name: "key name with a layout suffix", field: "spec.keys[0].name") {
        $0.keys = [.init(name: "password.previous", generator: .password())]
    },
    .init(name: "two generators in one key", field: "spec.keys[0].generator") {
        $0.keys = [.init(name: "password", generator: SecretRotation.Generator(password: .init(), uuid: .init()))]
    },
    .init(name: "token too short", field: "spec.keys[0].generator.token.bytes") {
        $0.keys = [.init(name: "token", generator: .token(.init(bytes: 8)))]
    },
    .init(name: "interval below a minute", field: "spec.interval") { $0.interval = "10s" },
    .init(name: "cron with six fields", field: "spec.schedule.cron") {
        $0.interval = nil; $0.schedule = .init(cron: "0 0 3 * * *")
    },
    .init(name: "unknown time zone", field: "spec.schedule.timeZone") {
        $0.interval = nil; $0.schedule = .init(cron: "0 3 * * *", timeZone: "Mars/Olympus_Mons")
    },
    .init(name: "unknown strategy", field: "spec.strategy.type") { $0.strategy.type = "rolling" },
    .init(name: "verify URL carrying the candidate", field: "spec.verify.http.url") {
        $0.verify = .init(http: .init(url: "https://db.example.com/?p={{ candidate.password }}"))
    },
    .init(name: "verify header naming an unknown key", field: "spec.verify.http.headers[0].value") {
        $0.verify = .init(http: .init(url: "https://db.example.com/", headers: [.init(name: "X-Password", value: "{{ candidate.pasword }}")]))
    },
    .init(name: "verify header value with CR LF (header injection)", field: "spec.verify.http.headers[0].value") {
        $0.verify = .init(http: .init(url: "https://db.example.com/", headers: [.init(name: "X-A", value: "a\r\nHost: evil")]))
    },
    .init(name: "verify timeout of an hour (holding a worker)", field: "spec.verify.http.timeout") {
        $0.verify = .init(http: .init(url: "https://db.example.com/", timeout: "1h"))
    },
    .init(name: "verify job mounting another Secret", field: "spec.verify.job.template.template.spec.volumes") {
        $0.verify = .init(job: .init(template: ["template": ["spec": [
            "containers": [["name": "c", "image": "busybox"]],
            "volumes": [["name": "x", "secret": ["secretName": "admin-credentials"]]]]]]))
    },
    .init(name: "verify job as another service account", field: "spec.verify.job.template.template.spec.serviceAccountName") {
        $0.verify = .init(job: .init(template: ["template": ["spec": [
            "containers": [["name": "c", "image": "busybox"]], "serviceAccountName": "deployer"]]]))
    },
    .init(name: "verify job privileged container", field: "spec.verify.job.template.template.spec.containers[0].securityContext") {
        $0.verify = .init(job: .init(template: ["template": ["spec": [
            "containers": [["name": "c", "image": "busybox", "securityContext": ["privileged": true]]]]]]))
    },
    .init(name: "verify job env from a Secret", field: "spec.verify.job.template.template.spec.containers[0].env[0].valueFrom") {
        $0.verify = .init(job: .init(template: ["template": ["spec": [
            "containers": [["name": "c", "image": "busybox",
                            "env": [["name": "T", "valueFrom": ["secretKeyRef": ["name": "admin", "key": "token"]]]]]]]]]))
    },
    .init(name: "consumer kind unknown", field: "spec.consumers.workloads[0].kind") {
        $0.consumers.workloads = [.init(kind: "CronJob", name: "backup")]
    },
    .init(name: "hook without a program", field: "spec.onChange[0].exec") { $0.onChange = [.init(exec: [])] },
    .init(name: "negative historyLimit", field: "spec.historyLimit") { $0.historyLimit = -1 },
]

/// A Secret edited by hand behind an Idle rotation, and what the next reconcile must leave.
struct TamperedSecretCase: CustomTestStringConvertible, Sendable {
    var name: String
    var strategy: SecretRotation.StrategyType
    var tamper: @Sendable (inout [String: Data]) -> Void
    var testDescription: String { name }
}

let tamperedSecrets: [TamperedSecretCase] = [
    .init(name: "blueGreen marker garbled", strategy: .blueGreen) { $0["active"] = Data("purple".utf8) },
    .init(name: "blueGreen marker removed", strategy: .blueGreen) { $0["active"] = nil },
    .init(name: "blueGreen marker empty", strategy: .blueGreen) { $0["active"] = Data() },
    .init(name: "a stale KEY.pending left while Idle", strategy: .staged) { $0["password.pending"] = Data("stale".utf8) },
    .init(name: "KEY.previous removed", strategy: .staged) { $0["password.previous"] = nil },
    .init(name: "a blue/green side on a staged Secret", strategy: .staged) { $0["password.green"] = Data("stray".utf8) },
]

@Suite("SecretRotation bad-input corpus")
struct RotationCorpusTests {
    @Test("each invalid spec is refused at admission or is InvalidSpec naming the field; no Secret is written",
          arguments: invalidRotationSpecs)
    func invalidSpec(_ row: RotationSpecCase) async throws {
        try await Harness.with { h in
            var spec = SecretRotation.Spec.db(.staged)
            row.mutate(&spec)
            do {
                try await h.create("bad", spec)
            } catch StoreError.invalid(_, _, let reason) {
                let field = row.field.split(separator: "[").first.map(String.init) ?? row.field
                #expect(reason.contains(field), "422 reason \(reason) should name \(row.field)")
                return
            }
            #expect(try await h.reconcile("bad") == .done, "a spec error is not retried on a timer")
            let status = try await h.status("bad")
            let ready = try #require(status.conditions[type: SecretRotation.ConditionType.ready])
            #expect(ready.status == .false && ready.reason == SecretRotation.Reason.invalidSpec)
            #expect(ready.message.hasPrefix(row.field), "\(ready.message) should name \(row.field)")
            #expect(await h.sink.events.contains { $0.type == .warning && $0.reason == SecretRotation.Reason.invalidSpec
                && ($0.message ?? "").hasPrefix(row.field) })
            #expect(try await h.store.list(Secret.self, namespace: h.namespace).isEmpty)

            let writes = await h.server.writeLog().count
            #expect(try await h.reconcile("bad") == .done)
            #expect(await h.server.writeLog().count == writes, "a second pass writes nothing")
        }
    }

    @Test("a rotation whose spec turns invalid keeps its Secret's values and revision; fixing it resumes")
    func specTurnsInvalid() async throws {
        try await Harness.with { h in
            try await h.create("db", .db(.staged))
            try await h.settle("db")
            try await h.edit("db") { $0.metadata.annotations[KeywardAnnotations.rotate] = "1" }
            try await h.settle("db")
            let values = try await h.data("db")
            let revision = try await h.status("db").revision
            #expect(revision == 2 && values["password.previous"] != nil)

            for mutate in invalidRotationSpecs.map(\.mutate) {
                var spec = try await h.rotation("db").spec
                mutate(&spec)
                guard spec.secretName == "db" else { continue }  // a rename would point at another Secret
                do {
                    try await h.edit("db") { $0.spec = spec; $0.metadata.annotations[KeywardAnnotations.rotate] = UUID().uuidString }
                } catch StoreError.invalid {
                    continue  // refused at admission: the stored spec is still the valid one
                }
                try await h.reconcile("db")
                #expect(try await h.status("db").conditions[type: SecretRotation.ConditionType.ready]?.reason == SecretRotation.Reason.invalidSpec)
                #expect(try await h.data("db") == values, "an invalid spec changed the Secret")
                #expect(try await h.status("db").revision == revision)
                try await h.edit("db") { $0.spec = .db(.staged) }
            }
            try await h.edit("db") { $0.metadata.annotations[KeywardAnnotations.rotate] = "after-fix" }
            try await h.settle("db")
            let fixed = try await h.status("db")
            #expect(fixed.revision == (revision ?? 0) + 1 && fixed.conditions[type: SecretRotation.ConditionType.ready]?.status == .true)
            #expect(try await h.data("db")["password.previous"] == values["password"])
        }
    }

    /// Found by the operator crash-chaos test: a rotate request that came with a new SecretRotation was recorded as
    /// handled by the status write of the first values, so a crash before the rotation began lost it.
    @Test("a rotate request is not consumed by a crash between the first values and the rotation it asks for",
          arguments: [SecretRotation.StrategyType.immediate, .staged, .dualWrite, .blueGreen])
    func rotateRequestSurvivesCrash(_ strategy: SecretRotation.StrategyType) async throws {
        try await Harness.with { h in
            try await h.create("db", .db(strategy), annotations: [KeywardAnnotations.rotate: "first"])
            // Dies right after the first status write: the one recording the first values.
            let crashing = CrashingStore(h.store) { write, _ in if case .status = write { true } else { false } }
            await #expect(throws: Killed.self) { try await h.reconcile("db", with: h.reconciler(store: crashing)) }
            let provisioned = try await h.status("db")
            #expect(provisioned.revision == 1 && provisioned.phase == .idle)
            #expect(provisioned.lastRotateRequest == nil, "the request was recorded before anything acted on it")

            try await h.settle("db")
            let status = try await h.status("db")
            #expect(status.revision == 2 && status.lastRotateRequest == "first" && status.phase == .idle)
            // Acted on once: another pass does not rotate again.
            try await h.reconcile("db")
            #expect(try await h.status("db").revision == 2)
        }
    }

    @Test("a Secret tampered with by hand is tidied without changing the live value or the revision", arguments: tamperedSecrets)
    func tamperedSecret(_ row: TamperedSecretCase) async throws {
        try await Harness.with { h in
            try await h.create("db", .db(row.strategy))
            try await h.settle("db")
            try await h.edit("db") { $0.metadata.annotations[KeywardAnnotations.rotate] = "1" }
            try await h.settle("db")  // blueGreen: green is now the active side
            let before = try await h.data("db")
            let revision = try await h.status("db").revision

            var secret = try #require(try await h.store.get(Secret.self, namespace: h.namespace, name: "db"))
            row.tamper(&secret.data)
            secret.data["user-owned"] = Data("keep me".utf8)
            _ = try await h.store.update(secret)
            try await h.reconcile("db")

            let after = try await h.data("db")
            #expect(after["password"] == before["password"], "the live value changed")
            #expect(after["user-owned"] == Data("keep me".utf8), "a key the rotation does not own was touched")
            #expect(after["password.pending"] == nil)
            if row.strategy == .blueGreen {
                #expect(after["active"] == before["active"] && after["password.green"] == before["password.green"])
                #expect(after["password.blue"] == before["password.blue"])
            } else {
                #expect(after["password.green"] == nil)
            }
            let status = try await h.status("db")
            #expect(status.revision == revision && status.phase == .idle)
            #expect(status.conditions[type: SecretRotation.ConditionType.ready]?.status == .true)

            // The next rotation still works from the tidied Secret.
            try await h.edit("db") { $0.metadata.annotations[KeywardAnnotations.rotate] = "2" }
            try await h.settle("db")
            let rotated = try await h.data("db")
            #expect(rotated["password"] != before["password"] && rotated["user-owned"] == Data("keep me".utf8))
            #expect(try await h.status("db").revision == (revision ?? 0) + 1)
        }
    }
}
