import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCommands
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Testing

/// The operator against tenants who inflate what it caches, storm it with manual triggers, or live in namespaces it
/// was not given (keyward-apiserver, the operator wired as `keyward controller` wires it).
@Suite("Bounded operator")
struct BoundedOperatorTests {
    static func ready(_ cluster: OperatorCluster, _ name: String, _ namespace: String) async -> Bool {
        let certificate = try? await cluster.admin.get(Certificate.self, name: name, namespace: namespace)
        return certificate?.status?.conditions[type: Certificate.ConditionType.ready]?.status == .true
    }

    @Test func aTenantsLargeLabelledSecretIsNotCachedAndTheControllerKeepsWorking() async throws {
        let namespace = "inflate"
        let cluster = try await OperatorCluster.start(users: ["keyward"], namespaces: [namespace])
        // A tenant labels their own Secret as Keyward's: it enters the label-selected cache on every replica. Filled
        // close to the API server's 1 MiB data limit (1.3 MB as JSON).
        let bomb = try await cluster.admin.create(Secret(
            metadata: ObjectMeta(name: "bomb", namespace: namespace, labels: [KeywardLabels.owned: KeywardLabels.ownedValue]),
            data: ["blob": Data(repeating: 0x5a, count: 1_000_000)]))
        let operatorUnderTest = await InProcessOperator(cluster, user: "keyward", scope: .namespace(namespace))
        operatorUnderTest.start()
        try await cluster.create(FaultWorkload.ca(namespace))
        try await cluster.create(FaultWorkload.leaf("web", namespace))
        // And points a Certificate at it.
        var aimed = FaultWorkload.leaf("aimed", namespace)
        aimed.spec.secretName = "bomb"
        try await cluster.create(aimed)

        #expect(await within(60) {
            let ca = await Self.ready(cluster, FaultWorkload.caName, namespace)
            let web = await Self.ready(cluster, "web", namespace)
            return ca && web
        }, "the controller keeps issuing")
        var reason = ""
        let refused = await within(60) {
            let certificate = try? await cluster.admin.get(Certificate.self, name: "aimed", namespace: namespace)
            let ready = certificate?.status?.conditions[type: Certificate.ConditionType.ready]
            reason = ready?.message ?? ""
            return ready?.reason == Certificate.Reason.invalidSpec
        }
        #expect(refused, "the Certificate aimed at the oversized Secret is Ready=False InvalidSpec")
        #expect(reason.contains("spec.secretName") && reason.contains("limit"), "\(reason)")
        #expect(await operatorUnderTest.stop())

        let stored = try await cluster.admin.get(Secret.self, name: "bomb", namespace: namespace)
        #expect(stored.metadata.resourceVersion == bomb.metadata.resourceVersion, "the tenant's Secret was written")
        await cluster.stop()
    }

    @Test func aManualTriggerStormOnOneObjectIsActedOnABoundedNumberOfTimes() async throws {
        let namespace = "storm"
        let cluster = try await OperatorCluster.start(users: ["keyward"], namespaces: [namespace])
        let operatorUnderTest = await InProcessOperator(cluster, user: "keyward", scope: .namespace(namespace),
                                                        manualTriggerInterval: 30)
        operatorUnderTest.start()
        try await cluster.create(FaultWorkload.ca(namespace))
        try await cluster.create(FaultWorkload.leaf("web", namespace))
        #expect(await within(60) { await Self.ready(cluster, "web", namespace) })
        let issuedBefore = try await cluster.admin.get(Certificate.self, name: "web", namespace: namespace).status?.revision ?? 0

        // 40 distinct renew requests in a row, as fast as the API server takes them (`keyward renew` in a loop).
        let started = Date()
        for i in 0..<40 {
            try await cluster.edit("web", namespace: namespace) { $0.metadata.annotations[KeywardAnnotations.renew] = "storm-\(i)" }
            try await Task.sleep(for: .milliseconds(25))
        }
        // The first request is acted on; give the controller time to act on anything else it would.
        #expect(await within(30) {
            let status = try? await cluster.admin.get(Certificate.self, name: "web", namespace: namespace).status
            return (status?.revision ?? 0) > issuedBefore
        }, "the first request is acted on")
        try await Task.sleep(for: .seconds(2))
        let elapsed = Date().timeIntervalSince(started)
        let after = try await cluster.admin.get(Certificate.self, name: "web", namespace: namespace)
        let actions = (after.status?.revision ?? 0) - issuedBefore
        // One per 30 s window that the storm and the wait spanned (one on any machine that ran this in < 30 s).
        #expect(actions >= 1 && actions <= 1 + Int(elapsed / 30) + 1, "\(actions) renewals for 40 requests in \(elapsed) s")
        let events = try await cluster.admin.listAll(Event.self, in: .namespace(namespace)).items
        let deferred = events.filter { $0.reason == "ManualTriggerDeferred" && $0.involvedObject.name == "web" }
        #expect(!deferred.isEmpty, "an Event says the requests were deferred and coalesced")
        #expect(deferred.first?.message?.contains("coalesced") == true)
        let scraped = try Exposition(String(decoding: operatorUnderTest.metrics.exposition(), as: UTF8.self))
        #expect((scraped.value("keyward_manual_triggers_deferred_total", ["controller": "certificate"]) ?? 0) >= 1)
        #expect(await operatorUnderTest.stop())
        await cluster.stop()
    }

    @Test func namespacesModeIgnoresObjectsInOtherNamespaces() async throws {
        let cluster = try await OperatorCluster.start(users: ["keyward"], namespaces: ["team-a", "team-b", "elsewhere"])
        let operatorUnderTest = await InProcessOperator(cluster, user: "keyward", scope: .allNamespaces,
                                                        namespaces: ["team-a", "team-b"])
        operatorUnderTest.start()
        for namespace in ["team-a", "team-b", "elsewhere"] {
            try await cluster.create(FaultWorkload.ca(namespace))
            try await cluster.create(FaultWorkload.leaf("web", namespace))
        }
        #expect(await within(60) {
            let a = await Self.ready(cluster, "web", "team-a")
            let b = await Self.ready(cluster, "web", "team-b")
            return a && b
        })
        // Time for anything in "elsewhere" to have happened, if it were going to.
        try await Task.sleep(for: .seconds(1))
        #expect(await operatorUnderTest.stop())
        let untouched = try await cluster.admin.get(Certificate.self, name: "web", namespace: "elsewhere")
        #expect(untouched.status == nil, "a Certificate outside --namespaces is not reconciled")
        let requests = await cluster.server.requestLog().filter { $0.user == "keyward" && $0.resource != nil }
        // Leases, and ClusterIssuers (cluster-scoped, watched cluster-wide in every mode), are not namespaced objects.
        let outside = requests.filter {
            !["leases", "clusterissuers"].contains($0.resource ?? "") && !["team-a", "team-b"].contains($0.namespace ?? "")
        }
        #expect(outside.isEmpty, "requests outside the watched namespaces: \(outside.map { "\($0.method) \($0.path)" })")
        await cluster.stop()
    }
}

/// `keyward controller --qps/--burst` bounds what the process sends: counted from the API server's request log,
/// never timed. Every request leaves only after it took a token, so by any moment T after the first request at most
/// burst + qps·T requests can have arrived, however fast or slow the machine is.
@Suite("Controller --qps")
struct ControllerQPSTests {
    @Test func requestsArrivingByAnyMomentStayWithinBurstPlusQPSTimesElapsed() async throws {
        let namespace = "throttled"
        let cluster = try await OperatorCluster.start(users: ["keyward"], namespaces: [namespace])
        try await cluster.create(FaultWorkload.ca(namespace))
        for i in 0..<12 { try await cluster.create(FaultWorkload.leaf("leaf-\(i)", namespace)) }
        let qps = 4.0, burst = 4
        let controller = try ControllerProcess(
            kubeconfig: try cluster.kubeconfig(for: "keyward"), logPath: cluster.directory.path("qps.log"),
            extraArguments: ["--namespace", namespace, "--qps", "\(qps)", "--burst", "\(burst)"])
        // Enough work to keep the bucket empty: 13 Certificates need several requests each.
        let busy = await within(60) {
            await cluster.server.requestLog().filter { $0.user == "keyward" }.count > burst + 12
        }
        #expect(busy, "the controller sent requests beyond its burst")
        #expect(await controller.terminate() == 0)

        let times = await cluster.server.requestLog().filter { $0.user == "keyward" }.map(\.time).sorted()
        let first = try #require(times.first)
        var worst = ""
        for (index, time) in times.enumerated() {
            let elapsed = time.timeIntervalSince(first)
            // index + 1 requests had arrived by `time`. Slack: the bucket starts filling when the process starts,
            // and the first request can reach the server late on a loaded machine (connection setup, scheduling), so
            // allow a second's worth of tokens for that delay plus one for clock rounding. Without the limiter the
            // controller sends dozens of requests within that second, so the bound still tells throttled from not.
            if Double(index + 1) > Double(burst) + qps * (elapsed + 1) + 1 {
                worst = "\(index + 1) requests within \(elapsed) s"
                break
            }
        }
        #expect(worst.isEmpty, "over burst \(burst) + \(qps)/s: \(worst)")
        await cluster.stop()
    }
}
