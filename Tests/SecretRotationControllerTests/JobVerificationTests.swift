import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KubeAPIServer
import KubernetesClient
import KubernetesResources
@testable import SecretRotationController
import Synchronization
import Testing

/// The test API server serves no batch/v1 (and will not register a CRD in a built-in group), so Jobs live in this
/// store and everything else in the cluster; the test plays the Job controller by setting status.
final class JobRoutingStore: ResourceStore {
    let base: any ResourceStore
    let clock: ManualClock
    private let jobs = Mutex<[String: VerificationJob]>([:])

    init(base: any ResourceStore, clock: ManualClock) {
        self.base = base
        self.clock = clock
    }

    var all: [VerificationJob] { jobs.withLock { Array($0.values) } }

    func finish(succeeded: Bool) {
        jobs.withLock { jobs in
            for key in jobs.keys {
                jobs[key]?.status = succeeded ? .init(succeeded: 1) : .init(failed: 1)
            }
        }
    }

    func get<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws -> T? {
        if T.self == VerificationJob.self { return jobs.withLock { $0[name] } as? T }
        return try await base.get(type, namespace: namespace, name: name)
    }
    func list<T: KubernetesResource>(_ type: T.Type, namespace: String?, labels: [String: String]) async throws -> [T] {
        if T.self == VerificationJob.self { return all.compactMap { $0 as? T } }
        return try await base.list(type, namespace: namespace, labels: labels)
    }
    func create<T: KubernetesResource>(_ object: T) async throws -> T {
        guard var job = object as? VerificationJob else { return try await base.create(object) }
        job.metadata.creationTimestamp = clock.now
        return try jobs.withLock { jobs in
            if jobs[job.metadata.name] != nil { throw StoreError.alreadyExists(kind: "Job", key: job.metadata.name) }
            jobs[job.metadata.name] = job
            return job as! T
        }
    }
    func update<T: KubernetesResource>(_ object: T) async throws -> T { try await base.update(object) }
    func updateStatus<T: HasStatusSubresource>(_ object: T) async throws -> T { try await base.updateStatus(object) }
    func delete<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws {
        if T.self == VerificationJob.self { jobs.withLock { _ = $0.removeValue(forKey: name) }; return }
        try await base.delete(type, namespace: namespace, name: name)
    }
}

@Suite("Verification Jobs")
struct JobVerificationTests {
    static func spec(timeout: DurationString = "5m") -> SecretRotation.Spec {
        var spec = SecretRotation.Spec.db(.staged)
        spec.verify = SecretRotation.Verify(job: SecretRotation.JobCheck(template: [
            "template": ["spec": ["containers": [["name": "check", "image": "example/db-check:1",
                                                  "args": ["--password-file", "/var/run/keyward/candidate/password"]]]]],
        ], timeout: timeout))
        return spec
    }

    func job(_ jobs: JobRoutingStore) -> VerificationJob? { jobs.all.first }

    func run(_ body: (Harness, JobRoutingStore, SecretRotationReconciler) async throws -> Void) async throws {
        try await Harness.with { h in
            let jobs = JobRoutingStore(base: h.store, clock: h.clock)
            try await body(h, jobs, h.reconciler(store: jobs))
        }
    }

    @Test("the candidate is mounted into the Job; completion promotes it and cleans up")
    func passes() async throws {
        try await run { h, jobs, reconciler in
            try await h.create("db", Self.spec())
            try await h.reconcile("db", with: reconciler)
            h.clock.advance(by: 3600)
            let waiting = try await h.reconcile("db", with: reconciler)
            #expect(try await h.status("db").phase == .verifying)
            #expect(waiting.requeueAfter == 5)
            let data = try await h.data("db")
            let candidate = try #require(data.text("password.pending"))
            let job = try #require(jobs.all.first)
            let podSpec = try #require(job.spec["template"]?["spec"])
            #expect(job.spec["backoffLimit"] == 0 && podSpec["restartPolicy"] == "Never")
            let secretName = try #require(podSpec["volumes"]?.arrayValue?.first?["secret"]?["secretName"]?.stringValue)
            let mount = podSpec["containers"]?.arrayValue?.first?["volumeMounts"]?.arrayValue?.first
            #expect(mount?["mountPath"] == "/var/run/keyward/candidate" && mount?["readOnly"] == true)
            let candidateSecret = try #require(try await h.store.get(Secret.self, namespace: "default", name: secretName))
            #expect(candidateSecret.data == ["password": Data(candidate.utf8)])
            #expect(candidateSecret.metadata.ownerReferences.first?.kind == "SecretRotation")

            // A restarted controller finds the same Job instead of starting another.
            try await h.reconcile("db", with: h.reconciler(store: jobs))
            #expect(jobs.all.count == 1)

            jobs.finish(succeeded: true)
            try await h.reconcile("db", with: reconciler)
            let status = try await h.status("db")
            #expect(status.phase == .idle && status.revision == 2)
            #expect(try await h.data("db").text("password") == candidate)
            #expect(jobs.all.isEmpty)
            #expect(try await h.store.get(Secret.self, namespace: "default", name: secretName) == nil)
        }
    }

    @Test("a failed Job, or one that does not finish in time, fails verification")
    func fails() async throws {
        try await run { h, jobs, reconciler in
            try await h.create("db", Self.spec(timeout: "2m"))
            try await h.reconcile("db", with: reconciler)
            let old = try await h.data("db").text("password")
            h.clock.advance(by: 3600)
            try await h.reconcile("db", with: reconciler)
            jobs.finish(succeeded: false)
            try await h.reconcile("db", with: reconciler)
            var status = try await h.status("db")
            #expect(status.phase == .failed && status.conditions[type: "Ready"]?.reason == "VerificationFailed")
            #expect(try await h.data("db").text("password") == old)
            #expect(jobs.all.isEmpty)

            h.clock.advance(by: 60)
            try await h.reconcile("db", with: reconciler)
            #expect(jobs.all.count == 1)
            h.clock.advance(by: 120)
            try await h.reconcile("db", with: reconciler)
            status = try await h.status("db")
            #expect(status.phase == .failed && status.failedAttempts == 2)
            #expect(status.lastError?.contains("did not complete within 2m") == true)
            #expect(jobs.all.isEmpty)
            #expect(try await h.store.list(Secret.self, namespace: "default").map(\.metadata.name) == ["db"])
        }
    }
}
