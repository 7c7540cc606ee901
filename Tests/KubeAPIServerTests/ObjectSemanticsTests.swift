import Foundation
import KeywardCore
import KubeAPIServer
import Testing

/// Create/get/update semantics: resourceVersion, conflicts, generation, status subresource, Status bodies.
@Suite struct ObjectSemanticsTests {
    @Test func createReturns201AndResourceVersionsComeFromOneCounter() async throws {
        try await withServer { server in
            let a = try await server.post(Paths.configMaps(), Sample.configMap("a"))
            #expect(a.status == 201)
            #expect(a.json["metadata"]?["uid"]?.stringValue?.isEmpty == false)
            #expect(a.json["metadata"]?["creationTimestamp"]?.stringValue?.hasSuffix("Z") == true)
            let secret = try await server.post("/api/v1/namespaces/default/secrets",
                                               ["metadata": ["name": "s"], "stringData": ["k": "v"]])
            #expect(secret.status == 201)
            // One global counter across kinds: later writes get larger versions (compared here only as a test of
            // the server; clients must treat them as opaque).
            let rvA = Int(a.json["metadata"]?["resourceVersion"]?.stringValue ?? "") ?? 0
            let rvS = Int(secret.json["metadata"]?["resourceVersion"]?.stringValue ?? "") ?? 0
            #expect(rvA > 0 && rvS > rvA)
            let list = try await server.get(Paths.configMaps())
            #expect(Int(list.json["metadata"]?["resourceVersion"]?.stringValue ?? "") ?? 0 >= rvS)
            // stringData is write-only and merged into data (base64).
            #expect(secret.json["data"]?["k"] == .string(Data("v".utf8).base64EncodedString()))
            #expect(secret.json["stringData"] == nil)
            #expect(secret.json["type"] == "Opaque")
        }
    }

    @Test func duplicateCreateIsAlreadyExistsStatus() async throws {
        try await withServer { server in
            _ = try await server.post(Paths.configMaps(), Sample.configMap("dup"))
            let again = try await server.post(Paths.configMaps(), Sample.configMap("dup"))
            #expect(again.status == 409)
            #expect(again.json["kind"] == "Status")
            #expect(again.json["apiVersion"] == "v1")
            #expect(again.json["status"] == "Failure")
            #expect(again.json["reason"] == "AlreadyExists")
            #expect(again.json["code"] == 409)
            #expect(again.json["message"] == "configmaps \"dup\" already exists")
            #expect(again.json["details"]?["name"] == "dup")
            #expect(again.json["details"]?["kind"] == "configmaps")
        }
    }

    @Test func missingObjectIsNotFoundStatus() async throws {
        try await withServer { server in
            let missing = try await server.get(Paths.configMaps("default", "nope"))
            #expect(missing.status == 404)
            #expect(missing.json["reason"] == "NotFound")
            #expect(missing.json["message"] == "configmaps \"nope\" not found")
            let unknownResource = try await server.get("/apis/example.dev/v1/namespaces/default/gizmos")
            #expect(unknownResource.status == 404)
            #expect(unknownResource.json["kind"] == "Status")
            let noNamespace = try await server.post(Paths.configMaps("missing-ns"), Sample.configMap("x", namespace: "missing-ns"))
            #expect(noNamespace.status == 404)
            #expect(noNamespace.json["message"] == "namespaces \"missing-ns\" not found")
        }
    }

    @Test func generateNameGetsASuffix() async throws {
        try await withServer { server in
            let created = try await server.post(Paths.configMaps(), ["metadata": ["generateName": "job-"]])
            #expect(created.status == 201)
            let name = created.json["metadata"]?["name"]?.stringValue ?? ""
            #expect(name.hasPrefix("job-") && name.count == 9)
        }
    }

    @Test func staleUpdateIs409Conflict() async throws {
        try await withServer { server in
            let created = try await server.post(Paths.configMaps(), Sample.configMap("cm", data: ["a": "1"])).json
            var first = created
            first["data"] = ["a": "2"]
            let updated = try await server.put(Paths.configMaps("default", "cm"), first)
            #expect(updated.status == 200)
            #expect(updated.json["metadata"]?["resourceVersion"] != created["metadata"]?["resourceVersion"])
            var stale = created
            stale["data"] = ["a": "3"]
            let conflict = try await server.put(Paths.configMaps("default", "cm"), stale)
            #expect(conflict.status == 409)
            #expect(conflict.json["reason"] == "Conflict")
            #expect(conflict.json["message"] == "Operation cannot be fulfilled on configmaps \"cm\": the object has been modified; please apply your changes to the latest version and try again")
            // A no-op update keeps the resourceVersion.
            let noop = try await server.put(Paths.configMaps("default", "cm"), updated.json)
            #expect(noop.json["metadata"]?["resourceVersion"] == updated.json["metadata"]?["resourceVersion"])
        }
    }

    @Test func invalidBuiltInIs422WithFieldCauses() async throws {
        try await withServer { server in
            let tls = try await server.post("/api/v1/namespaces/default/secrets",
                                            ["metadata": ["name": "tls"], "type": "kubernetes.io/tls", "data": [:]])
            #expect(tls.status == 422)
            #expect(tls.json["reason"] == "Invalid")
            let fields = Set(tls.json["details"]?["causes"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? [])
            #expect(fields == ["data[tls.crt]", "data[tls.key]"])
            #expect(tls.json["message"]?.stringValue?.hasPrefix("Secret \"tls\" is invalid: [") == true)

            let created = try await server.post("/api/v1/namespaces/default/secrets", ["metadata": ["name": "opaque"]]).json
            var retyped = created
            retyped["type"] = "kubernetes.io/basic-auth"
            retyped["data"] = ["username": "YQ=="]
            let immutable = try await server.put("/api/v1/namespaces/default/secrets/opaque", retyped)
            #expect(immutable.status == 422)
            #expect(immutable.json["details"]?["causes"]?[0]?["field"] == "type")

            let badName = try await server.post(Paths.configMaps(), Sample.configMap("Not_Valid"))
            #expect(badName.status == 422)
            #expect(badName.json["details"]?["causes"]?[0]?["field"] == "metadata.name")
        }
    }

    @Test func generationBumpsOnlyOnSpecChanges() async throws {
        try await withServer { server in
            try await installWidgetCRD(server)
            let created = try await server.post(Paths.widgets(), Sample.widget("w")).json
            #expect(created["metadata"]?["generation"] == 1)
            var labelled = created
            labelled.assign(["metadata", "labels"], ["tier": "gold"])
            let afterLabel = try await server.put(Paths.widgets("default", "w"), labelled).json
            #expect(afterLabel["metadata"]?["generation"] == 1)
            var resized = afterLabel
            resized.assign(["spec", "size"], 4)
            let afterSpec = try await server.put(Paths.widgets("default", "w"), resized).json
            #expect(afterSpec["metadata"]?["generation"] == 2)

            let deployment = try await server.post("/apis/apps/v1/namespaces/default/deployments", Sample.deployment("web")).json
            #expect(deployment["metadata"]?["generation"] == 1)
            #expect(deployment["spec"]?["strategy"]?["type"] == "RollingUpdate")  // defaulted
            let patched = try await server.patch("/apis/apps/v1/namespaces/default/deployments/web", ["spec": ["replicas": 5]])
            #expect(patched.json["metadata"]?["generation"] == 2)
            // ConfigMaps have no generation at all.
            let cm = try await server.post(Paths.configMaps(), Sample.configMap("g")).json
            #expect(cm["metadata"]?["generation"] == nil)
        }
    }

    @Test func customResourcesRequireResourceVersionOnUpdate() async throws {
        try await withServer { server in
            try await installWidgetCRD(server)
            var widget = try await server.post(Paths.widgets(), Sample.widget("w")).json
            widget.assign(["metadata", "resourceVersion"], nil)
            let response = try await server.put(Paths.widgets("default", "w"), widget)
            #expect(response.status == 422)
            #expect(response.json["details"]?["causes"]?[0]?["field"] == "metadata.resourceVersion")
        }
    }

    @Test func statusSubresourceSplitsSpecAndStatus() async throws {
        try await withServer { server in
            try await installWidgetCRD(server)
            let created = try await server.post(Paths.widgets(), Sample.widget("w")).json
            // /status ignores everything but status.
            var withStatus = created
            withStatus["status"] = ["phase": "Ready"]
            withStatus.assign(["spec", "size"], 9)
            let statusPut = try await server.put(Paths.widgets("default", "w") + "/status", withStatus).json
            #expect(statusPut["status"]?["phase"] == "Ready")
            #expect(statusPut["spec"]?["size"] == 3)
            #expect(statusPut["metadata"]?["generation"] == 1)
            // The main resource ignores status.
            var sneaky = statusPut
            sneaky["status"] = ["phase": "Hacked"]
            sneaky.assign(["spec", "size"], 5)
            let mainPut = try await server.put(Paths.widgets("default", "w"), sneaky).json
            #expect(mainPut["status"]?["phase"] == "Ready")
            #expect(mainPut["spec"]?["size"] == 5)
            #expect(mainPut["metadata"]?["generation"] == 2)
            // Status patches work; a resource without the subresource has no /status.
            let statusPatch = try await server.patch(Paths.widgets("default", "w") + "/status", ["status": ["phase": "Done"]])
            #expect(statusPatch.json["status"]?["phase"] == "Done")
            _ = try await server.post(Paths.configMaps(), Sample.configMap("cm"))
            #expect(try await server.get(Paths.configMaps("default", "cm") + "/status").status == 404)
        }
    }

    @Test func timestampsComeFromTheInjectedClock() async throws {
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_800_000_000))
        try await withServer({ $0.clock = clock }) { server in
            let created = try await server.post(Paths.configMaps(), Sample.configMap("t"))
            #expect(created.json["metadata"]?["creationTimestamp"] == "2027-01-15T08:00:00Z")
        }
    }

    @Test func dryRunStoresNothing() async throws {
        try await withServer { server in
            let dry = try await server.post(Paths.configMaps() + "?dryRun=All", Sample.configMap("ghost"))
            #expect(dry.status == 201)
            #expect(try await server.get(Paths.configMaps("default", "ghost")).status == 404)
            #expect(await server.server.writeLog().allSatisfy { !$0.changed })
        }
    }
}
