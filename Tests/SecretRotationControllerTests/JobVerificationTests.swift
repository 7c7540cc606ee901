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

/// `spec.verify.job` end to end against the test API server, which serves batch/v1 Jobs; the test plays the Job
/// controller (``APIServer/finishJob(namespace:name:succeeded:)``).
@Suite("Verification Jobs")
struct JobVerificationTests {
    static let container: JSONValue = [
        "name": "check", "image": "example/db-check:1", "args": ["--password-file", "/var/run/keyward/candidate/password"],
        "env": [["name": "MODE", "value": "strict"], ["name": "POD", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]]],
        "resources": ["limits": ["cpu": "100m", "memory": "64Mi"]],
    ]

    static func spec(timeout: DurationString = "5m", serviceAccount: String? = nil) -> SecretRotation.Spec {
        var spec = SecretRotation.Spec.db(.staged)
        spec.verify = SecretRotation.Verify(job: SecretRotation.JobCheck(
            template: ["template": ["spec": ["containers": [container]]]], timeout: timeout,
            serviceAccountName: serviceAccount))
        return spec
    }

    func jobs(_ h: Harness) async throws -> [VerificationJob] {
        try await h.store.list(VerificationJob.self, namespace: h.namespace)
    }

    @Test("the operator builds the pod: no token, default service account, only the candidate volume, restricted")
    func podSpecIsOperatorBuilt() async throws {
        try await Harness.with { h in
            try await h.create("db", Self.spec())
            try await h.reconcile("db")
            h.clock.advance(by: 3600)
            let waiting = try await h.reconcile("db")
            #expect(try await h.status("db").phase == .verifying)
            #expect(waiting.requeueAfter == 5)
            let job = try #require(try await jobs(h).first)
            // What the API server stored, not what the operator meant to send.
            let stored = try #require(await h.server.storedObject(group: "batch", resource: "jobs", namespace: "default",
                                                                   name: job.metadata.name))
            #expect(stored["spec"]?["backoffLimit"] == 0 && stored["spec"]?["activeDeadlineSeconds"] == 300)
            let pod = try #require(stored["spec"]?["template"]?["spec"])
            #expect(pod["automountServiceAccountToken"] == false)
            #expect(pod["serviceAccountName"] == "default")
            #expect(pod["restartPolicy"] == "Never" && pod["enableServiceLinks"] == false)
            #expect(pod["securityContext"]?["runAsNonRoot"] == true)
            #expect(pod["securityContext"]?["seccompProfile"]?["type"] == "RuntimeDefault")
            let volumes = try #require(pod["volumes"]?.arrayValue)
            #expect(volumes.count == 1 && volumes.first?["name"] == "keyward-candidate")
            let secretName = try #require(volumes.first?["secret"]?["secretName"]?.stringValue)
            #expect(secretName.hasPrefix("db-candidate-"))
            let container = try #require(pod["containers"]?.arrayValue?.first)
            #expect(pod["containers"]?.arrayValue?.count == 1)
            #expect(container["image"] == "example/db-check:1" && container["args"] == Self.container["args"])
            #expect(container["env"] == Self.container["env"] && container["resources"]?["limits"] == Self.container["resources"]?["limits"])
            #expect(container["volumeMounts"] == [["name": "keyward-candidate", "mountPath": "/var/run/keyward/candidate",
                                                   "readOnly": true]])
            let security = try #require(container["securityContext"])
            #expect(security["allowPrivilegeEscalation"] == false && security["readOnlyRootFilesystem"] == true)
            #expect(security["runAsNonRoot"] == true && security["capabilities"]?["drop"] == ["ALL"])
            #expect(security["seccompProfile"]?["type"] == "RuntimeDefault")
            // Nothing else of the pod is set by anyone but the API server's defaults.
            let podKeys = Set(pod.objectValue?.keys.map { $0 } ?? [])
            #expect(podKeys.isSubset(of: ["automountServiceAccountToken", "serviceAccountName", "restartPolicy",
                                          "enableServiceLinks", "securityContext", "volumes", "containers",
                                          "terminationGracePeriodSeconds", "dnsPolicy", "schedulerName"]), "\(podKeys)")

            let candidate = try #require(try await h.data("db").text("password.pending"))
            let candidateSecret = try #require(try await h.store.get(Secret.self, namespace: "default", name: secretName))
            #expect(candidateSecret.data == ["password": Data(candidate.utf8)])
            #expect(candidateSecret.metadata.ownerReferences.first?.kind == "SecretRotation")
            #expect(job.metadata.ownerReferences.first?.kind == "SecretRotation")
        }
    }

    @Test("a succeeded Job promotes the candidate and is cleaned up; a restart finds the same Job")
    func succeededJobPromotes() async throws {
        try await Harness.with { h in
            try await h.create("db", Self.spec())
            try await h.reconcile("db")
            h.clock.advance(by: 3600)
            try await h.reconcile("db")
            let candidate = try #require(try await h.data("db").text("password.pending"))
            let job = try #require(try await jobs(h).first)
            try await h.reconcile("db", with: h.reconciler())  // a restarted controller
            #expect(try await jobs(h).count == 1)

            #expect(await h.server.finishJob(namespace: "default", name: job.metadata.name, succeeded: true))
            try await h.reconcile("db")
            let status = try await h.status("db")
            #expect(status.phase == .idle && status.revision == 2)
            #expect(try await h.data("db").text("password") == candidate)
            #expect(try await jobs(h).isEmpty)
            #expect(try await h.store.list(Secret.self, namespace: "default").map(\.metadata.name) == ["db"])
        }
    }

    /// A pending Job brings its rotation back every few seconds; the HTTP check the candidate already passed is not
    /// run again each time (with a slow endpoint, a few rotations would otherwise hold every worker).
    @Test("with verify.http and verify.job, the HTTP check runs once per candidate while the Job runs")
    func httpCheckedOncePerCandidate() async throws {
        try await Harness.with { h in
            let service = try LoopbackHTTPServer { _ in 200 }
            var spec = Self.spec()
            spec.verify?.http = SecretRotation.HTTPCheck(url: service.url, timeout: "5s")
            try await h.create("db", spec)
            let reconciler = h.reconciler()  // one controller process
            try await h.reconcile("db", with: reconciler)
            h.clock.advance(by: 3600)
            for _ in 0..<4 {
                try await h.reconcile("db", with: reconciler)
                h.clock.advance(by: 5)
            }
            #expect(service.received.count == 1, "\(service.received.count) HTTP checks for one candidate")
            let job = try #require(try await jobs(h).first)
            #expect(await h.server.finishJob(namespace: "default", name: job.metadata.name, succeeded: true))
            try await h.reconcile("db", with: reconciler)
            #expect(try await h.status("db").revision == 2)
            #expect(service.received.count == 1)
        }
    }

    /// A rotation "db" in Verifying, its Job running: the Job's and the candidate Secret's names.
    private func verifyingCandidate(_ h: Harness) async throws -> (job: String, candidate: String) {
        try await h.create("db", Self.spec())
        try await h.reconcile("db")
        h.clock.advance(by: 3600)
        try await h.reconcile("db")
        let job = try #require(try await jobs(h).first).metadata.name
        let candidate = try #require(try await h.store.list(Secret.self, namespace: "default")
            .map(\.metadata.name).first { $0.contains("-candidate-") })
        return (job, candidate)
    }

    /// Neither the Job nor the Secret holding a copy of the candidate's values is left.
    private func expectGone(_ h: Harness, _ names: (job: String, candidate: String)) async throws {
        #expect(try await h.store.get(VerificationJob.self, namespace: "default", name: names.job) == nil)
        #expect(try await h.store.get(Secret.self, namespace: "default", name: names.candidate) == nil)
    }

    /// A candidate dropped while its Job still runs (here: a manual rollback during Verifying) must not leave the
    /// Job, or the Secret holding a copy of its values, behind. (The schedule, still due, then starts a new candidate
    /// with a Job of its own: at most that one remains.)
    @Test("a candidate rolled back while its Job runs leaves no Job and no candidate Secret")
    func rollbackDuringVerificationCleansUp() async throws {
        try await Harness.with { h in
            let first = try await verifyingCandidate(h)
            try await h.edit("db") { $0.metadata.annotations[KeywardAnnotations.rollback] = "now" }
            try await h.reconcile("db")
            #expect(await h.sink.events.contains { $0.reason == "RolledBack" })
            try await expectGone(h, first)
            #expect(try await jobs(h).count <= 1)
            #expect(try await h.store.list(Secret.self, namespace: "default").filter { $0.metadata.name.contains("-candidate-") }.count <= 1)
        }
    }

    /// The check removed while its Job runs: the candidate is promoted without it, and its Job and candidate Secret
    /// (by then a copy of the live values) go.
    @Test("verify.job removed while its Job runs leaves no Job and no candidate Secret")
    func removedCheckCleansUp() async throws {
        try await Harness.with { h in
            let first = try await verifyingCandidate(h)
            try await h.edit("db") { $0.spec.verify = nil }
            for _ in 0..<3 { try await h.reconcile("db") }
            #expect(try await h.status("db").revision == 2)
            try await expectGone(h, first)
        }
    }

    /// Job and candidate names take the rotation name's first 40 characters; a cut just after a `.` would give
    /// "….-verify-…", which the API server refuses, and the rotation would stay in Verifying.
    @Test("a rotation name cut at a dot still gives valid Job and Secret names")
    func nameCutAtADot() async throws {
        try await Harness.with { h in
            let name = String(repeating: "a", count: 39) + ".b"
            try await h.create(name, Self.spec())
            try await h.reconcile(name)
            h.clock.advance(by: 3600)
            try await h.reconcile(name)
            let job = try #require(try await jobs(h).first)
            #expect(job.metadata.name.hasPrefix(String(repeating: "a", count: 39) + "-verify-"))
            let names = try await h.store.list(Secret.self, namespace: "default").map(\.metadata.name)
            #expect(names.contains { $0.hasPrefix(String(repeating: "a", count: 39) + "-candidate-") })
            #expect(JobVerification.nameBase("ab-.-" + String(repeating: "c", count: 40)) == "ab-.-" + String(repeating: "c", count: 35))
            #expect(JobVerification.nameBase(String(repeating: "d", count: 38) + "-.e") == String(repeating: "d", count: 38))
        }
    }

    @Test("a failed Job, or one that does not finish in time, does not promote")
    func failedJobDoesNotPromote() async throws {
        try await Harness.with { h in
            try await h.create("db", Self.spec(timeout: "2m"))
            try await h.reconcile("db")
            let old = try await h.data("db").text("password")
            h.clock.advance(by: 3600)
            try await h.reconcile("db")
            let job = try #require(try await jobs(h).first)
            #expect(await h.server.finishJob(namespace: "default", name: job.metadata.name, succeeded: false))
            try await h.reconcile("db")
            var status = try await h.status("db")
            #expect(status.phase == .failed && status.conditions[type: "Ready"]?.reason == "VerificationFailed")
            #expect(try await h.data("db").text("password") == old)
            #expect(try await jobs(h).isEmpty)

            h.clock.advance(by: 60)
            try await h.reconcile("db")
            #expect(try await jobs(h).count == 1)
            h.clock.advance(by: 120)
            try await h.reconcile("db")
            status = try await h.status("db")
            #expect(status.phase == .failed && status.failedAttempts == 2)
            #expect(status.lastError?.contains("did not complete within 2m") == true)
            #expect(try await h.data("db").text("password") == old)
            #expect(try await jobs(h).isEmpty)
            #expect(try await h.store.list(Secret.self, namespace: "default").map(\.metadata.name) == ["db"])
        }
    }

    @Test("another service account only when the operator allows it for the namespace")
    func serviceAccountAllowList() async throws {
        try await Harness.with { h in
            try await h.create("db", Self.spec(serviceAccount: "db-verifier"))
            try await h.reconcile("db")
            h.clock.advance(by: 3600)
            try await h.reconcile("db")
            let status = try await h.status("db")
            #expect(status.phase == .failed)
            #expect(status.lastError?.contains("\"db-verifier\" is not allowed") == true, "\(status.lastError ?? "")")
            #expect(try await jobs(h).isEmpty, "no Job was created")

            var options = SecretRotationReconciler.Options()
            options.verifyJobServiceAccounts = ["default/db-verifier"]
            let allowing = SecretRotationReconciler(store: h.store, events: h.events, clock: h.clock, options: options,
                                                    probe: h.probe, metrics: h.metrics)
            h.clock.advance(by: 3600)
            try await h.reconcile("db", with: allowing)
            let job = try #require(try await jobs(h).first)
            let pod = job.spec["template"]?["spec"]
            #expect(pod?["serviceAccountName"] == "db-verifier" && pod?["automountServiceAccountToken"] == false)
        }
    }
}
