import ControllerRuntime
import Foundation
import KeywardCore
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Synchronization
import Testing

/// Leases are judged on two clocks: the holder's renewTime (wall) and how long this replica has seen the Lease
/// unchanged, which must be counted on a clock nobody steps. A standby whose wall clock jumps forward an hour must
/// not take a Lease its holder renewed a moment ago: two leaders would act at once.
@Suite struct LeaderElectionClockTests {
    /// A manual clock whose wall time can be stepped ahead of its uptime, as by `date -s` or an NTP step.
    final class SteppedClock: WallClock {
        let base: ManualClock
        private let offset = Mutex<TimeInterval>(0)
        init(base: ManualClock) { self.base = base }
        func step(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
        var now: Date { base.now.addingTimeInterval(offset.withLock { $0 }) }
        var uptime: TimeInterval { base.now.timeIntervalSince1970 }
        func sleep(until deadline: Date) async throws {
            try await base.sleep(until: deadline.addingTimeInterval(-offset.withLock { $0 }))
        }
    }

    @Test func aStandbyWhoseWallClockJumpedForwardWaitsOutTheLeaseOnItsOwnUptime() async throws {
        let (server, client) = try await startCluster()
        let base = ManualClock(now: Date())
        // The holder renewed just now on its own (correct) clock.
        _ = try await client.create(Lease(
            metadata: ObjectMeta(name: "stepped", namespace: "default"),
            spec: Lease.Spec(holderIdentity: "holder", leaseDurationSeconds: 15, acquireTime: MicroTime(base.now),
                             renewTime: MicroTime(base.now), leaseTransitions: 0)))
        let clock = SteppedClock(base: base)
        let standby = LeaderElector(
            configuration: LeaderElectionConfiguration(namespace: "default", name: "stepped", identity: "standby",
                                                       leaseDuration: 15, renewDeadline: 10, retryPeriod: 2),
            client: client, clock: clock)
        let running = Task { try await standby.run { try await Task.sleep(for: .seconds(3600)) } }

        // The standby has seen the Lease once and waits to retry; then its wall clock jumps an hour ahead. By the
        // holder's renewTime the Lease now looks an hour expired, and by a wall-clock observedTime too.
        #expect(await eventually { base.sleeperCount >= 1 && standby.status.holderIdentity == "holder" })
        clock.step(by: 3600)
        // Retries over the next 14 s of uptime must not take it: the Lease has been seen unchanged for less than
        // its 15 s.
        for _ in 0..<7 {
            base.advance(by: 2)
            #expect(await eventually { base.sleeperCount >= 1 })
            #expect(!standby.isLeader, "took a Lease seen unchanged for less than its duration")
        }
        // Past 15 s of its own uptime with no renewal, the holder is gone: now the standby takes over.
        var waited = 0
        while !standby.isLeader, waited < 10 {
            base.advance(by: 2)
            _ = await eventually { standby.isLeader || base.sleeperCount >= 1 }
            waited += 1
        }
        #expect(standby.isLeader)
        let lease = try await client.get(Lease.self, name: "stepped", namespace: "default")
        #expect(lease.spec.holderIdentity == "standby" && lease.spec.leaseTransitions == 1)
        running.cancel()
        _ = try? await running.value
        client.shutdown()
        await server.shutdown()
    }
}
