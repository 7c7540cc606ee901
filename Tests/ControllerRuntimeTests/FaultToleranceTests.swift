import ControllerRuntime
import Foundation
import KeywardTestSupport
import KeywardCore
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Synchronization
import Testing

/// The informer and controller against an API server that misbehaves on purpose: cut watches, expired
/// resourceVersions, random 500s and 504s, slow answers, 429 with Retry-After. Each test asserts on what was
/// observed and what converged, never on how long it took; every wait is bounded.
@Suite("Fault tolerance", .serialized)
struct FaultToleranceTests {
    /// Every value a ConfigMap's `v` key took, in the order the informer reported them.
    private static func recordValues(of informer: Informer<ConfigMap>, name: String) async -> EventLog<String> {
        let seen = EventLog<String>()
        await informer.addHandler { event in
            switch event {
            case .added(let object), .updated(_, let object):
                if object.metadata.name == name { seen.append(object.data?["v"] ?? "") }
            case .deleted(let object):
                if object.metadata.name == name { seen.append("deleted") }
            case .resync:
                return
            }
        }
        return seen
    }

    @Test func aCutWatchResumesFromTheLastVersionWithoutMissingAChange() async throws {
        let cluster = try await ReplicaCluster.start(replicas: ["watcher"], namespaces: ["cut"])
        let client = cluster.client(for: "watcher")
        let informer = Informer<ConfigMap>(client: client, configuration: InformerConfiguration(scope: .namespace("cut")),
                                           logger: quietLogger("informer"))
        let seen = await Self.recordValues(of: informer, name: "counter")
        let running = Task { await informer.run() }
        await informer.waitForSync()
        #expect(await within(30) { await cluster.server.openWatchCount() == 1 })

        try await cluster.createInput("counter", namespace: "cut", data: ["v": "0"])
        for value in 1...20 {
            try await cluster.updateInput("counter", namespace: "cut", data: ["v": "\(value)"])
            // Cut right after every other change: the change must arrive through the resumed stream.
            if value % 2 == 0 { await cluster.server.faults.cutWatches() }
        }
        #expect(await within(30) { seen.all.last == "20" })

        // Every intermediate version was delivered, in order, exactly once.
        #expect(seen.all == (0...20).map(String.init))
        // Resumed, not relisted: one list in all, and a fresh watch after the cuts.
        #expect(await informer.listCount == 1)
        #expect(await informer.watchCount > 1)
        let requests = await cluster.server.requestLog().filter { $0.user == "watcher" }
        #expect(requests.filter { $0.verb == .list }.count == 1)

        running.cancel()
        await running.value
        client.shutdown()
        await cluster.stop()
    }

    @Test func anExpiredResourceVersionLeadsToARelistThatReportsWhatWasMissed() async throws {
        let cluster = try await ReplicaCluster.start(replicas: ["watcher"], namespaces: ["gone"])
        let client = cluster.client(for: "watcher", retry: .none)
        var configuration = InformerConfiguration(scope: .namespace("gone"))
        configuration.errorBackoff = Backoff(base: 0.05, cap: 0.2, jitter: 0.5)
        let informer = Informer<ConfigMap>(client: client, configuration: configuration, logger: quietLogger("informer"))
        let kept = await Self.recordValues(of: informer, name: "kept")
        let dropped = await Self.recordValues(of: informer, name: "dropped")
        let added = await Self.recordValues(of: informer, name: "added")
        try await cluster.createInput("kept", namespace: "gone", data: ["v": "1"])
        try await cluster.createInput("dropped", namespace: "gone", data: ["v": "1"])
        let running = Task { await informer.run() }
        await informer.waitForSync()
        #expect(await within(30) { await cluster.server.openWatchCount() == 1 })

        // Keep the informer away while history moves on and is then forgotten: it can only learn of these changes
        // by listing again.
        await cluster.server.faults.failNext(10_000, verb: .watch, resource: "configmaps", code: 500)
        await cluster.server.faults.cutWatches()
        #expect(await within(30) { await cluster.server.openWatchCount() == 0 })
        try await cluster.updateInput("kept", namespace: "gone", data: ["v": "2"])
        try await cluster.admin.delete(ConfigMap.self, name: "dropped", namespace: "gone")
        try await cluster.createInput("added", namespace: "gone", data: ["v": "1"])
        await cluster.server.faults.expireResourceVersions()
        await cluster.server.faults.reset()

        #expect(await within(30) { await informer.listCount == 2 })
        #expect(await within(30) { kept.all.last == "2" && dropped.all.last == "deleted" && added.all.last == "1" })
        #expect(kept.all == ["1", "2"])
        #expect(dropped.all == ["1", "deleted"])
        #expect(added.all == ["1"])
        #expect(await informer.list(namespace: "gone").map(\.metadata.name).sorted() == ["added", "kept"])

        // After the relist the informer watches again from the new list's version.
        #expect(await within(30) { await cluster.server.openWatchCount() == 1 })
        try await cluster.updateInput("kept", namespace: "gone", data: ["v": "3"])
        #expect(await within(30) { kept.all.last == "3" })
        #expect(await informer.listCount == 2)

        running.cancel()
        await running.value
        client.shutdown()
        await cluster.stop()
    }

    /// 5% of requests answered 500 or 504 at random, watches cut every 250 ms and every answer slowed: a
    /// controller keeps retrying until every output matches its input, and nothing is lost.
    @Test func injected500sTimeoutsAndCutWatchesStillConverge() async throws {
        let cluster = try await ReplicaCluster.start(replicas: ["replica"])
        let replica = await Replica("replica", cluster: cluster, inputNamespace: "in", outputNamespace: "out", lease: nil)
        replica.start()
        #expect(await within(30) { replica.health.cachesSynced })

        await cluster.server.faults.setFailRate(0.05, seed: 42)
        await cluster.server.faults.setDelay(.milliseconds(2))
        let chaos = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                await cluster.server.faults.cutWatches()
            }
        }
        let names = (0..<60).map { "item-\($0)" }
        for name in names { try await cluster.createInput(name, namespace: "in", data: ["v": "1"]) }
        for name in names.prefix(30) { try await cluster.updateInput(name, namespace: "in", data: ["v": "2"]) }

        let converged = await within(90) {
            for (index, name) in names.enumerated() {
                let expected = index < 30 ? "2" : "1"
                if await cluster.storedData(name, namespace: "out")?["v"] != expected { return false }
            }
            return true
        }
        chaos.cancel()
        await chaos.value
        await cluster.server.faults.reset()
        #expect(converged)

        // The faults really happened to the controller, and it still wrote each output at most twice (create, then
        // the one update): retries re-read instead of writing blindly.
        let requests = await cluster.server.requestLog().filter { $0.user == "replica" }
        #expect(requests.contains { $0.code == 500 })
        #expect(requests.contains { $0.code == 504 })
        let writes = await cluster.server.writeLog().filter { $0.user == "replica" && $0.namespace == "out" && $0.changed }
        let writesPerOutput = Dictionary(grouping: writes, by: { $0.name ?? "" }).mapValues(\.count)
        #expect(writesPerOutput.count == names.count)
        #expect(writesPerOutput.values.allSatisfy { $0 <= 2 })

        let stopped = await replica.terminate()
        #expect(stopped.map { (try? $0.get()) != nil } == true)
        await replica.dispose()
        await cluster.stop()
    }

    @Test func a429RetryAfterIsWaitedOutBeforeTheRetry() async throws {
        let cluster = try await ReplicaCluster.start(replicas: ["polite"], namespaces: ["throttled"])
        let clock = RecordingClock()
        let client = cluster.client(for: "polite", retry: RetryPolicy(maxAttempts: 5, backoff: Backoff(base: 0.01, cap: 0.05)),
                                    clock: clock)

        // The informer's first list is throttled with Retry-After: 3; the client waits exactly that long, then retries.
        await cluster.server.faults.failNext(1, verb: .list, resource: "configmaps", code: 429, retryAfterSeconds: 3)
        let informer = Informer<ConfigMap>(client: client, configuration: InformerConfiguration(scope: .namespace("throttled")),
                                           logger: quietLogger("informer"))
        let running = Task { await informer.run() }
        await informer.waitForSync()
        #expect(clock.recordedWaits == [3])
        let lists = await cluster.server.requestLog().filter { $0.user == "polite" && $0.verb == .list }.map(\.code)
        #expect(lists == [429, 200])

        // A create (never retried after a 5xx) is retried after a 429: the server cannot have acted on it.
        await cluster.server.faults.failNext(1, verb: .create, resource: "configmaps", code: 429, retryAfterSeconds: 7)
        _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "once", namespace: "throttled")))
        #expect(clock.recordedWaits == [3, 7])
        let creates = await cluster.server.writeLog().filter { $0.user == "polite" && $0.verb == .create }
        #expect(creates.map(\.name) == ["once"])

        running.cancel()
        await running.value
        client.shutdown()
        await cluster.stop()
    }
}
