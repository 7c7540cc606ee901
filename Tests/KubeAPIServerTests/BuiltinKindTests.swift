import Foundation
import KeywardCore
import KubeAPIServer
import Testing

/// Built-in kinds beyond ConfigMaps and Secrets: Events (both groups), Leases, workloads and the rollout simulator.
@Suite struct BuiltinKindTests {
    @Test func eventsInBothGroups() async throws {
        try await withServer { server in
            let core = try await server.post("/api/v1/namespaces/default/events", [
                "metadata": ["name": "e1"], "involvedObject": ["kind": "Secret", "name": "db", "namespace": "default"],
                "reason": "Rotated", "message": "rotated password", "type": "Normal", "count": 1,
                "source": ["component": "keyward"]])
            #expect(core.status == 201)
            let byReason = try await server.get("/api/v1/namespaces/default/events?" + query([
                "fieldSelector": "involvedObject.name=db,reason=Rotated"]))
            #expect(byReason.json["items"]?.arrayValue?.count == 1)
            let modern = try await server.post("/apis/events.k8s.io/v1/namespaces/default/events", [
                "metadata": ["name": "e2"], "regarding": ["kind": "Secret", "name": "db"], "reason": "Rotated",
                "note": "rotated", "type": "Normal", "action": "Rotate", "reportingController": "keyward.dev/controller",
                "reportingInstance": "keyward-0", "eventTime": "2027-01-15T08:00:00.000000Z"])
            #expect(modern.status == 201)
            #expect(modern.json["apiVersion"] == "events.k8s.io/v1")
            let missing = try await server.post("/api/v1/namespaces/default/events", ["metadata": ["name": "e3"]])
            #expect(missing.status == 422)
        }
    }

    @Test func leasesKeepMicroTime() async throws {
        try await withServer { server in
            let lease = try await server.post("/apis/coordination.k8s.io/v1/namespaces/default/leases", [
                "metadata": ["name": "keyward-leader"],
                "spec": ["holderIdentity": "pod-a", "leaseDurationSeconds": 15,
                         "acquireTime": "2027-01-15T08:00:00.123456Z", "renewTime": "2027-01-15T08:00:05.654321Z",
                         "leaseTransitions": 0]])
            #expect(lease.status == 201)
            #expect(lease.json["spec"]?["renewTime"] == "2027-01-15T08:00:05.654321Z")
            var taken = lease.json
            taken.assign(["spec", "holderIdentity"], "pod-b")
            taken.assign(["spec", "leaseTransitions"], 1)
            #expect(try await server.put("/apis/coordination.k8s.io/v1/namespaces/default/leases/keyward-leader", taken).status == 200)
            let stale = try await server.put("/apis/coordination.k8s.io/v1/namespaces/default/leases/keyward-leader", lease.json)
            #expect(stale.status == 409)
            var invalid = Sample.configMap("x")
            invalid = ["metadata": ["name": "bad"], "spec": ["leaseDurationSeconds": 0]]
            #expect(try await server.post("/apis/coordination.k8s.io/v1/namespaces/default/leases", invalid).status == 422)
        }
    }

    @Test func workloadsAreValidated() async throws {
        try await withServer { server in
            var deployment = Sample.deployment("web")
            deployment.assign(["spec", "template", "metadata", "labels"], ["app": "other"])
            let mismatch = try await server.post("/apis/apps/v1/namespaces/default/deployments", deployment)
            #expect(mismatch.status == 422)
            #expect(mismatch.json.causeFields.contains("spec.template.metadata.labels"))
        }
    }

    private func status(_ server: TestServer, _ name: String) async throws -> JSONValue {
        try await server.get("/apis/apps/v1/namespaces/default/deployments/\(name)").json
    }

    private func poll(_ seconds: Double = 15, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    @Test func rolloutSimulatorCompletesAfterTheDelayOnTheInjectedClock() async throws {
        let clock = ManualClock()
        try await withServer({ $0.rollout = .after(.seconds(30)); $0.clock = clock }) { server in
            _ = try await server.post("/apis/apps/v1/namespaces/default/deployments", Sample.deployment("web", replicas: 3))
            // Observed at once, nothing updated yet.
            #expect(try await poll { try await status(server, "web")["status"]?["observedGeneration"] == 1 })
            #expect(try await status(server, "web")["status"]?["updatedReplicas"] == 0)
            #expect(await poll { clock.sleeperCount > 0 })
            clock.advance(by: 30)
            #expect(try await poll { try await status(server, "web")["status"]?["readyReplicas"] == 3 })
            let done = try await status(server, "web")["status"]
            #expect(done?["updatedReplicas"] == 3)
            #expect(done?["availableReplicas"] == 3)

            // A template change starts a new rollout for the new generation.
            _ = try await server.patch("/apis/apps/v1/namespaces/default/deployments/web",
                                       ["spec": ["template": ["metadata": ["annotations": ["rotated": "1"]]]]])
            #expect(try await poll { try await status(server, "web")["status"]?["observedGeneration"] == 2 })
            #expect(try await status(server, "web")["status"]?["updatedReplicas"] == 0)
            #expect(await poll { clock.sleeperCount > 0 })
            clock.advance(by: 30)
            #expect(try await poll { try await status(server, "web")["status"]?["updatedReplicas"] == 3 })
        }
    }

    @Test func rolloutSimulatorCanNeverFinish() async throws {
        try await withServer({ $0.rollout = .never }) { server in
            _ = try await server.post("/apis/apps/v1/namespaces/default/statefulsets", {
                var sts = Sample.deployment("db")
                sts["kind"] = "StatefulSet"
                sts.assign(["spec", "serviceName"], "db")
                return sts
            }())
            #expect(try await poll {
                try await server.get("/apis/apps/v1/namespaces/default/statefulsets/db").json["status"]?["observedGeneration"] == 1
            })
            let status = try await server.get("/apis/apps/v1/namespaces/default/statefulsets/db").json["status"]
            #expect(status?["updatedReplicas"] == 0)
            #expect(status?["readyReplicas"] == 0)
        }
    }

    @Test func withoutTheSimulatorStatusIsLeftAlone() async throws {
        try await withServer { server in
            _ = try await server.post("/apis/apps/v1/namespaces/default/daemonsets", {
                var ds = Sample.deployment("agent")
                ds["kind"] = "DaemonSet"
                ds.assign(["spec", "replicas"], nil)
                return ds
            }())
            let daemonSet = try await server.get("/apis/apps/v1/namespaces/default/daemonsets/agent").json
            #expect(daemonSet["status"]?["observedGeneration"] == nil)
            #expect(daemonSet["status"]?["numberReady"] == 0)
        }
    }
}
