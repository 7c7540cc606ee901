import Foundation
import KeywardCore
import KubeAPIServer
import Testing

/// Deletion: finalizers, preconditions, propagation policies, garbage collection, namespaces.
@Suite struct DeletionTests {
    @Test func finalizersHoldTheObjectUntilRemoved() async throws {
        try await withServer { server in
            var cm = Sample.configMap("held")
            cm.assign(["metadata", "finalizers"], ["keyward.dev/cleanup"])
            _ = try await server.post(Paths.configMaps(), cm)
            let deleted = try await server.delete(Paths.configMaps("default", "held"))
            #expect(deleted.status == 200)
            var terminating = try await server.get(Paths.configMaps("default", "held")).json
            #expect(terminating["metadata"]?["deletionTimestamp"]?.stringValue != nil)
            // No new finalizers once deleting.
            var more = terminating
            more.assign(["metadata", "finalizers"], ["keyward.dev/cleanup", "another.dev/x"])
            let refused = try await server.put(Paths.configMaps("default", "held"), more)
            #expect(refused.status == 422)
            #expect(refused.json.causeFields == ["metadata.finalizers"])
            // Deleting again changes nothing.
            _ = try await server.delete(Paths.configMaps("default", "held"))
            terminating = try await server.get(Paths.configMaps("default", "held")).json
            terminating.assign(["metadata", "finalizers"], .array([]))
            #expect(try await server.put(Paths.configMaps("default", "held"), terminating).status == 200)
            #expect(try await server.get(Paths.configMaps("default", "held")).status == 404)
        }
    }

    @Test func preconditionsGuardDeletes() async throws {
        try await withServer { server in
            let created = try await server.post(Paths.configMaps(), Sample.configMap("p")).json
            let wrongUID = try await server.delete(Paths.configMaps("default", "p"),
                                                   ["kind": "DeleteOptions", "apiVersion": "v1", "preconditions": ["uid": "nope"]])
            #expect(wrongUID.status == 409)
            #expect(wrongUID.json["message"]?.stringValue?.contains("Precondition failed: UID in precondition: nope") == true)
            let wrongRV = try await server.delete(Paths.configMaps("default", "p"), ["preconditions": ["resourceVersion": "1"]])
            #expect(wrongRV.status == 409)
            let ok = try await server.delete(Paths.configMaps("default", "p"), [
                "preconditions": ["uid": created["metadata"]?["uid"] ?? .null,
                                  "resourceVersion": created["metadata"]?["resourceVersion"] ?? .null]])
            #expect(ok.status == 200)
            // Built-ins answer with a Success Status, custom resources with the object.
            #expect(ok.json["kind"] == "Status")
            #expect(ok.json["status"] == "Success")
            #expect(ok.json["details"]?["name"] == "p")
        }
    }

    private func owned(_ name: String, by owner: JSONValue) -> JSONValue {
        var cm = Sample.configMap(name)
        cm.assign(["metadata", "ownerReferences"], [[
            "apiVersion": "example.dev/v1", "kind": "Widget", "name": owner["metadata"]?["name"] ?? .null,
            "uid": owner["metadata"]?["uid"] ?? .null, "controller": true, "blockOwnerDeletion": true,
        ]])
        return cm
    }

    @Test func backgroundDeletionCollectsDependents() async throws {
        try await withServer { server in
            try await installWidgetCRD(server)
            let owner = try await server.post(Paths.widgets(), Sample.widget("owner")).json
            _ = try await server.post(Paths.configMaps(), owned("child", by: owner))
            _ = try await server.post(Paths.configMaps(), Sample.configMap("bystander"))
            let deleted = try await server.delete(Paths.widgets("default", "owner"))
            #expect(deleted.json["kind"] == "Widget")
            #expect(try await server.get(Paths.configMaps("default", "child")).status == 404)
            #expect(try await server.get(Paths.configMaps("default", "bystander")).status == 200)
            // A dependent naming an owner that does not exist is collected as soon as it is created.
            let orphan = try await server.post(Paths.configMaps(), owned("dangling", by: owner))
            #expect(orphan.status == 201)
            #expect(try await server.get(Paths.configMaps("default", "dangling")).status == 404)
        }
    }

    @Test func orphanPropagationKeepsDependents() async throws {
        try await withServer { server in
            try await installWidgetCRD(server)
            let owner = try await server.post(Paths.widgets(), Sample.widget("owner")).json
            _ = try await server.post(Paths.configMaps(), owned("child", by: owner))
            _ = try await server.delete(Paths.widgets("default", "owner"), ["propagationPolicy": "Orphan"])
            #expect(try await server.get(Paths.widgets("default", "owner")).status == 404)
            let child = try await server.get(Paths.configMaps("default", "child"))
            #expect(child.status == 200)
            #expect(child.json["metadata"]?["ownerReferences"] == nil)
        }
    }

    @Test func foregroundDeletionWaitsForDependentsWithFinalizers() async throws {
        try await withServer { server in
            try await installWidgetCRD(server)
            let owner = try await server.post(Paths.widgets(), Sample.widget("owner")).json
            var child = owned("child", by: owner)
            child.assign(["metadata", "finalizers"], ["keyward.dev/hold"])
            _ = try await server.post(Paths.configMaps(), child)
            let response = try await server.delete(Paths.widgets("default", "owner") + "?propagationPolicy=Foreground")
            #expect(response.status == 200)
            let waiting = try await server.get(Paths.widgets("default", "owner")).json
            #expect(waiting["metadata"]?["finalizers"] == ["foregroundDeletion"])
            var dependent = try await server.get(Paths.configMaps("default", "child")).json
            #expect(dependent["metadata"]?["deletionTimestamp"] != nil)
            dependent.assign(["metadata", "finalizers"], nil)
            _ = try await server.put(Paths.configMaps("default", "child"), dependent)
            #expect(try await server.get(Paths.configMaps("default", "child")).status == 404)
            #expect(try await server.get(Paths.widgets("default", "owner")).status == 404)
        }
    }

    @Test func invalidPropagationPolicyIs422() async throws {
        try await withServer { server in
            _ = try await server.post(Paths.configMaps(), Sample.configMap("x"))
            let response = try await server.delete(Paths.configMaps("default", "x"), ["propagationPolicy": "Sometimes"])
            #expect(response.status == 422)
            #expect(response.json.causeFields == ["propagationPolicy"])
        }
    }

    @Test func deletingANamespaceDeletesItsContent() async throws {
        try await withServer { server in
            _ = try await server.post("/api/v1/namespaces", ["metadata": ["name": "team"]])
            _ = try await server.post(Paths.configMaps("team"), Sample.configMap("a", namespace: "team"))
            _ = try await server.delete("/api/v1/namespaces/team")
            #expect(try await server.get(Paths.configMaps("team", "a")).status == 404)
            #expect(try await server.get("/api/v1/namespaces/team").status == 404)
            let refused = try await server.post(Paths.configMaps("team"), Sample.configMap("b", namespace: "team"))
            #expect(refused.status == 404)
        }
    }

    @Test func deleteCollectionHonoursSelectors() async throws {
        try await withServer { server in
            for name in ["a", "b", "c"] {
                _ = try await server.post(Paths.configMaps(), Sample.configMap(name, labels: ["drop": name == "c" ? "no" : "yes"]))
            }
            let response = try await server.delete(Paths.configMaps() + "?" + query(["labelSelector": "drop=yes"]))
            #expect(response.status == 200)
            #expect(response.json["items"]?.arrayValue?.count == 2)
            let left = try await server.get(Paths.configMaps()).json
            #expect(left["items"]?.arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue } == ["c"])
        }
    }
}
