import ControllerRuntime
import Foundation
import KeywardTestSupport
import KeywardCore
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Testing

/// Two replicas of a manager with leader election against one API server. Each authenticates with its own token,
/// so the server's write log tells which replica wrote what; a shared probe also records any moment in which both
/// were inside a reconcile. Lease durations are short so takeovers happen within a test's bounded waits.
@Suite("Leader election", .serialized)
struct LeaderElectionTests {
    static let leaseNamespace = "keyward-system"
    static let leaseName = "mirror-controller"

    static func lease(_ identity: String, duration: TimeInterval, renewDeadline: TimeInterval, retryPeriod: TimeInterval = 0.25)
        -> LeaderElectionConfiguration
    {
        LeaderElectionConfiguration(namespace: leaseNamespace, name: leaseName, identity: identity, leaseDuration: duration,
                                    renewDeadline: renewDeadline, retryPeriod: retryPeriod)
    }

    static func replica(_ identity: String, _ cluster: ReplicaCluster, duration: TimeInterval, renewDeadline: TimeInterval,
                        activity: ReconcileActivity, retry: RetryPolicy? = nil) async -> Replica {
        let lease = Self.lease(identity, duration: duration, renewDeadline: renewDeadline)
        if let retry {
            return await Replica(identity, cluster: cluster, inputNamespace: "in", outputNamespace: "out", lease: lease,
                                 activity: activity, retry: retry)
        }
        return await Replica(identity, cluster: cluster, inputNamespace: "in", outputNamespace: "out", lease: lease,
                             activity: activity)
    }

    static func readLease(_ cluster: ReplicaCluster) async throws -> Lease {
        try await cluster.admin.get(Lease.self, name: leaseName, namespace: leaseNamespace)
    }

    /// Writes to the mirror's outputs, oldest first: the evidence of who reconciled.
    static func outputWrites(_ cluster: ReplicaCluster) async -> [WriteRecord] {
        await cluster.server.writeLog().filter { $0.resource == "configmaps" && $0.namespace == "out" }
    }

    static func allMirrored(_ cluster: ReplicaCluster, _ names: [String]) async -> Bool {
        for name in names where await cluster.storedData(name, namespace: "out")?["v"] != name { return false }
        return true
    }

    static func createInputs(_ cluster: ReplicaCluster, _ names: [String]) async throws {
        for name in names { try await cluster.createInput(name, namespace: "in", data: ["v": name]) }
    }

    /// Replica a leads and reconciles; it is then killed (connection severed, nothing left running, so it cannot
    /// release the Lease, as after SIGKILL). Replica b, a warm standby, takes over only once the Lease has expired,
    /// and mirrors what was created while nobody led.
    @Test func aStandbyTakesOverOnlyAfterTheLeaseOfAKilledLeaderExpires() async throws {
        let cluster = try await ReplicaCluster.start(replicas: ["replica-a", "replica-b"])
        let activity = ReconcileActivity()
        // Generous: a leader starved by a loaded machine must not lose the Lease before the test kills it.
        let duration: TimeInterval = 12
        let a = await Self.replica("replica-a", cluster, duration: duration, renewDeadline: 10, activity: activity)
        let b = await Self.replica("replica-b", cluster, duration: duration, renewDeadline: 10, activity: activity)
        a.start()
        #expect(await within(30) { a.elector?.isLeader == true })
        b.start()
        #expect(await within(30) { b.health.cachesSynced && b.health.leaderElectionRunning })

        let before = (0..<10).map { "before-\($0)" }
        try await Self.createInputs(cluster, before)
        #expect(await within(30) { await Self.allMirrored(cluster, before) })
        #expect(b.elector?.isLeader == false)
        #expect(activity.reconciles(by: "replica-b") == 0)

        // SIGKILL: no goodbye. The Lease still names a and stays valid for its full duration.
        await a.kill()
        let abandoned = try await Self.readLease(cluster)
        #expect(abandoned.spec.holderIdentity == "replica-a")
        let lastRenewal = try #require(abandoned.spec.renewTime?.date)

        let after = (0..<10).map { "after-\($0)" }
        try await Self.createInputs(cluster, after)
        #expect(await within(30) { b.elector?.isLeader == true })
        #expect(await within(30) { await Self.allMirrored(cluster, before + after) })

        let taken = try await Self.readLease(cluster)
        #expect(taken.spec.holderIdentity == "replica-b")
        #expect(taken.spec.leaseTransitions == 1)
        // Safety: b acquired no earlier than the moment a's Lease expired.
        let acquired = try #require(taken.spec.acquireTime?.date)
        #expect(acquired >= lastRenewal.addingTimeInterval(duration))

        // Never both: a's writes all precede b's, no reconcile of one overlapped one of the other, and everything
        // created after the kill was written by b.
        #expect(await Self.outputWrites(cluster).writerRuns == ["replica-a", "replica-b"])
        #expect(activity.overlaps.isEmpty)
        for name in after {
            #expect(await cluster.storedAnnotation(name, namespace: "out", MirrorReconciler.writerAnnotation) == "replica-b")
        }
        #expect(b.leaderEvents.all.contains(.startedLeading))

        await a.dispose()
        await b.dispose()
        await cluster.stop()
    }

    /// SIGTERM: the graceful path drains a's reconciles and releases the Lease, so b takes over at its next retry,
    /// long before the 60 s Lease could have expired, and a's service ends without an error.
    @Test func aGracefulShutdownReleasesTheLeaseAndTheStandbyTakesOverAtOnce() async throws {
        let cluster = try await ReplicaCluster.start(replicas: ["replica-a", "replica-b"])
        let activity = ReconcileActivity()
        let duration: TimeInterval = 60
        let a = await Self.replica("replica-a", cluster, duration: duration, renewDeadline: 10, activity: activity)
        let b = await Self.replica("replica-b", cluster, duration: duration, renewDeadline: 10, activity: activity)
        a.start()
        #expect(await within(30) { a.elector?.isLeader == true })
        b.start()
        #expect(await within(30) { b.health.cachesSynced && b.health.leaderElectionRunning })

        let before = (0..<20).map { "before-\($0)" }
        try await Self.createInputs(cluster, before)
        let leaseWhileLeading = try await Self.readLease(cluster)
        #expect(leaseWhileLeading.spec.holderIdentity == "replica-a")
        let renewedWhileLeading = try #require(leaseWhileLeading.spec.renewTime?.date)

        let ended = await a.terminate()
        #expect(ended.map { (try? $0.get()) != nil } == true, "a graceful stop ends the service without an error")
        #expect(a.elector?.isLeader == false)
        #expect(a.leaderEvents.all.contains(.stoppedLeading))
        let released = try await Self.readLease(cluster)
        #expect(released.spec.holderIdentity == nil || released.spec.holderIdentity == "replica-b")

        let after = (0..<10).map { "after-\($0)" }
        try await Self.createInputs(cluster, after)
        #expect(await within(20) { b.elector?.isLeader == true })
        #expect(await within(30) { await Self.allMirrored(cluster, before + after) })

        // Taken over after a release, not an expiry: b acquired well inside a's 60 s Lease.
        let taken = try await Self.readLease(cluster)
        #expect(taken.spec.holderIdentity == "replica-b")
        let acquired = try #require(taken.spec.acquireTime?.date)
        #expect(acquired < renewedWhileLeading.addingTimeInterval(duration))

        let runs = await Self.outputWrites(cluster).writerRuns
        #expect(runs == ["replica-a", "replica-b"] || runs == ["replica-b"])
        #expect(activity.overlaps.isEmpty)
        for name in after {
            #expect(await cluster.storedAnnotation(name, namespace: "out", MirrorReconciler.writerAnnotation) == "replica-b")
        }

        await a.dispose()
        await b.dispose()
        await cluster.stop()
    }

    /// A leader cut off from the Lease stops reconciling as soon as its renew deadline passes, and its manager ends
    /// with `lostLease` so the process restarts as a follower; it writes nothing afterwards, even though its
    /// informers still see new work.
    @Test func aLeaderThatCannotRenewStopsReconcilingAndExits() async throws {
        let cluster = try await ReplicaCluster.start(replicas: ["replica-a", "replica-b"])
        let activity = ReconcileActivity()
        // Long enough that a loaded machine cannot starve the leader before the test cuts it off.
        let a = await Self.replica("replica-a", cluster, duration: 8, renewDeadline: 6, activity: activity, retry: RetryPolicy.none)
        a.start()
        #expect(await within(30) { a.elector?.isLeader == true })
        try await Self.createInputs(cluster, ["early"])
        #expect(await within(30) { await Self.allMirrored(cluster, ["early"]) })

        // Every Lease request fails from now on: renewals cannot succeed, while other requests still work.
        await cluster.server.faults.failNext(1_000_000, resource: "leases", code: 500)
        #expect(await within(30) { a.leaderEvents.all.contains(.stoppedLeading) })
        #expect(a.elector?.isLeader == false)
        #expect(a.health.isLeader == false)
        let events = a.leaderEvents.all
        #expect(events.firstIndex(of: .startedLeading).map { $0 < (events.lastIndex(of: .stoppedLeading) ?? -1) } == true)

        switch await a.finished(timeout: 30) {
        case .failure(let error)?:
            let lost = if case .lostLease(.renewDeadlineExceeded)? = error as? LeaderElectionError { true } else { false }
            #expect(lost, "the manager must end with lostLease, not \(error)")
        case .success?:
            Issue.record("the manager returned normally after losing the Lease; it must fail with lostLease")
        case nil:
            Issue.record("the manager did not end by itself once leadership was lost")
        }
        let writesByA = await Self.outputWrites(cluster).filter { $0.user == "replica-a" }.count

        // New work while nobody leads, then b takes the expired Lease: a must not touch any of it.
        try await Self.createInputs(cluster, ["orphan"])
        await cluster.server.faults.reset()
        let b = await Self.replica("replica-b", cluster, duration: 8, renewDeadline: 6, activity: activity)
        b.start()
        try await Self.createInputs(cluster, ["late"])
        #expect(await within(30) { await Self.allMirrored(cluster, ["early", "orphan", "late"]) })
        #expect(await Self.outputWrites(cluster).filter { $0.user == "replica-a" }.count == writesByA)
        #expect(await cluster.storedAnnotation("orphan", namespace: "out", MirrorReconciler.writerAnnotation) == "replica-b")
        #expect(await cluster.storedAnnotation("late", namespace: "out", MirrorReconciler.writerAnnotation) == "replica-b")
        #expect(activity.overlaps.isEmpty)
        await b.dispose()
        await a.dispose()
        await cluster.stop()
    }
}
