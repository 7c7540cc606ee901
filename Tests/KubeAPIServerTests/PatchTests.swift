import Foundation
import KeywardCore
import KubeAPIServer
import Testing

/// PATCH formats: JSON merge, JSON patch, strategic merge (built-ins only), apply.
@Suite struct PatchTests {
    @Test func mergePatchAddsAndRemovesFields() async throws {
        try await withServer { server in
            _ = try await server.post(Paths.configMaps(), Sample.configMap("cm", labels: ["a": "1"], data: ["x": "1", "y": "2"]))
            let patched = try await server.patch(Paths.configMaps("default", "cm"),
                                                 ["metadata": ["labels": ["b": "2"]], "data": ["x": .null, "z": "3"]])
            #expect(patched.status == 200)
            #expect(patched.json["metadata"]?["labels"] == ["a": "1", "b": "2"])
            #expect(patched.json["data"] == ["y": "2", "z": "3"])
        }
    }

    @Test func jsonPatchAppliesOperationsAndTests() async throws {
        try await withServer { server in
            _ = try await server.post(Paths.configMaps(), Sample.configMap("cm", data: ["x": "1"]))
            let ops: JSONValue = [["op": "test", "path": "/data/x", "value": "1"],
                                  ["op": "add", "path": "/data/y", "value": "2"],
                                  ["op": "remove", "path": "/data/x"]]
            let patched = try await server.patch(Paths.configMaps("default", "cm"), ops, type: "application/json-patch+json")
            #expect(patched.json["data"] == ["y": "2"])
            let failedTest = try await server.patch(Paths.configMaps("default", "cm"),
                                                    [["op": "test", "path": "/data/y", "value": "nope"]],
                                                    type: "application/json-patch+json")
            #expect(failedTest.status == 422)
        }
    }

    @Test func patchWithStaleResourceVersionConflicts() async throws {
        try await withServer { server in
            _ = try await server.post(Paths.configMaps(), Sample.configMap("cm"))
            let response = try await server.patch(Paths.configMaps("default", "cm"),
                                                  ["metadata": ["resourceVersion": "1"], "data": ["a": "b"]])
            #expect(response.status == 409)
        }
    }

    @Test func strategicMergeMergesContainersByName() async throws {
        try await withServer { server in
            var deployment = Sample.deployment("web")
            deployment.assign(["spec", "template", "spec", "containers"], [
                ["name": "main", "image": "nginx:1.27"], ["name": "sidecar", "image": "busybox:1"],
            ])
            _ = try await server.post("/apis/apps/v1/namespaces/default/deployments", deployment)
            let patch: JSONValue = ["spec": ["template": ["spec": ["containers": [["name": "sidecar", "image": "busybox:2"]]]]]]
            let patched = try await server.patch("/apis/apps/v1/namespaces/default/deployments/web", patch,
                                                 type: "application/strategic-merge-patch+json")
            #expect(patched.status == 200, "\(patched)")
            let containers = patched.json["spec"]?["template"]?["spec"]?["containers"]?.arrayValue ?? []
            #expect(containers.compactMap { $0["image"]?.stringValue } == ["nginx:1.27", "busybox:2"])
        }
    }

    @Test func strategicMergeIsUnsupportedForCustomResources() async throws {
        try await withServer { server in
            try await installWidgetCRD(server)
            _ = try await server.post(Paths.widgets(), Sample.widget("w"))
            let response = try await server.patch(Paths.widgets("default", "w"), ["spec": ["size": 2]],
                                                  type: "application/strategic-merge-patch+json")
            #expect(response.status == 415)
            #expect(response.json["reason"] == "UnsupportedMediaType")
        }
    }

    @Test func applyPatchNeedsAFieldManagerAndCreates() async throws {
        try await withServer { server in
            let yaml = """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: applied
                data:
                  key: value
                """
            let missing = try await server.request("PATCH", Paths.configMaps("default", "applied"), rawBody: yaml,
                                                   contentType: "application/apply-patch+yaml")
            #expect(missing.status == 422)
            let created = try await server.request("PATCH", Paths.configMaps("default", "applied") + "?fieldManager=test",
                                                   rawBody: yaml, contentType: "application/apply-patch+yaml")
            #expect(created.status == 201, "\(created)")
            #expect(created.json["data"] == ["key": "value"])
        }
    }

    @Test func validationAppliesToPatchedObjects() async throws {
        try await withServer { server in
            try await installWidgetCRD(server)
            _ = try await server.post(Paths.widgets(), Sample.widget("w"))
            let response = try await server.patch(Paths.widgets("default", "w"), ["spec": ["size": 50]])
            #expect(response.status == 422)
            #expect(response.json.causeFields.contains("spec.size"))
        }
    }
}
