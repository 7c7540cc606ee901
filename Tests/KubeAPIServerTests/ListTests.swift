import Foundation
import KeywardCore
import KubeAPIServer
import Testing

/// Lists: selectors, pagination, list shape.
@Suite struct ListTests {
    private func seed(_ server: TestServer) async throws {
        for i in 0..<7 {
            let labels = ["app": i % 2 == 0 ? "web" : "db", "tier": i < 3 ? "front" : "back"]
            _ = try await server.post(Paths.configMaps(), Sample.configMap("cm-\(i)", labels: labels))
        }
        _ = try await server.post("/api/v1/namespaces", ["metadata": ["name": "other"]])
        _ = try await server.post(Paths.configMaps("other"), Sample.configMap("elsewhere", namespace: "other",
                                                                               labels: ["app": "web"]))
    }

    private func names(_ result: HTTPResult) -> [String] {
        result.json["items"]?.arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue } ?? []
    }

    @Test(arguments: [
        ("app=web", ["cm-0", "cm-2", "cm-4", "cm-6"]),
        ("app==web", ["cm-0", "cm-2", "cm-4", "cm-6"]),
        ("app!=web", ["cm-1", "cm-3", "cm-5"]),
        ("app in (db),tier=front", ["cm-1"]),
        ("tier notin (back)", ["cm-0", "cm-1", "cm-2"]),
        ("app", ["cm-0", "cm-1", "cm-2", "cm-3", "cm-4", "cm-5", "cm-6"]),
        ("!app", [String]()),
    ])
    func labelSelectors(selector: String, expected: [String]) async throws {
        try await withServer { server in
            try await seed(server)
            let result = try await server.get(Paths.configMaps() + "?" + query(["labelSelector": selector]))
            #expect(result.status == 200, "\(result)")
            #expect(names(result) == expected)
        }
    }

    @Test func fieldSelectorsAndAllNamespaces() async throws {
        try await withServer { server in
            try await seed(server)
            let byName = try await server.get("/api/v1/configmaps?" + query(["fieldSelector": "metadata.name=elsewhere"]))
            #expect(names(byName) == ["elsewhere"])
            #expect(byName.json["items"]?[0]?["metadata"]?["namespace"] == "other")
            let byNamespace = try await server.get("/api/v1/configmaps?" + query(["fieldSelector": "metadata.namespace!=default",
                                                                                  "labelSelector": "app=web"]))
            #expect(names(byNamespace) == ["elsewhere"])
            _ = try await server.post("/api/v1/namespaces/default/secrets",
                                      ["metadata": ["name": "basic"], "type": "kubernetes.io/basic-auth",
                                       "stringData": ["username": "u", "password": "p"]])
            _ = try await server.post("/api/v1/namespaces/default/secrets", ["metadata": ["name": "plain"]])
            let byType = try await server.get("/api/v1/namespaces/default/secrets?" + query(["fieldSelector": "type=kubernetes.io/basic-auth"]))
            #expect(names(byType) == ["basic"])
            let unsupported = try await server.get(Paths.configMaps() + "?" + query(["fieldSelector": "data.x=1"]))
            #expect(unsupported.status == 400)
            #expect(unsupported.json["message"] == "field label not supported: data.x")
            let badLabel = try await server.get(Paths.configMaps() + "?" + query(["labelSelector": "app in web"]))
            #expect(badLabel.status == 400)
        }
    }

    @Test func limitAndContinuePageThroughAConsistentSnapshot() async throws {
        try await withServer { server in
            try await seed(server)
            let first = try await server.get(Paths.configMaps() + "?limit=3")
            #expect(names(first) == ["cm-0", "cm-1", "cm-2"])
            #expect(first.json["metadata"]?["remainingItemCount"] == 4)
            let token = try #require(first.json["metadata"]?["continue"]?.stringValue)
            // A change after the first page does not show up in later pages of the same list.
            _ = try await server.post(Paths.configMaps(), Sample.configMap("cm-9"))
            let second = try await server.get(Paths.configMaps() + "?" + query(["limit": "3", "continue": token]))
            #expect(names(second) == ["cm-3", "cm-4", "cm-5"])
            #expect(second.json["metadata"]?["resourceVersion"] == first.json["metadata"]?["resourceVersion"])
            let third = try await server.get(Paths.configMaps() + "?" + query([
                "limit": "3", "continue": second.json["metadata"]?["continue"]?.stringValue ?? ""]))
            #expect(names(third) == ["cm-6"])
            #expect(third.json["metadata"]?["continue"] == nil)

            await server.server.faults.expireResourceVersions()
            let expired = try await server.get(Paths.configMaps() + "?" + query(["limit": "3", "continue": token]))
            #expect(expired.status == 410)
            #expect(expired.json["reason"] == "Expired")
        }
    }

    @Test func builtInListItemsOmitTypeMeta() async throws {
        try await withServer { server in
            try await installWidgetCRD(server)
            _ = try await server.post(Paths.configMaps(), Sample.configMap("a"))
            _ = try await server.post(Paths.widgets(), Sample.widget("w"))
            let configMaps = try await server.get(Paths.configMaps()).json
            #expect(configMaps["kind"] == "ConfigMapList")
            #expect(configMaps["apiVersion"] == "v1")
            #expect(configMaps["items"]?[0]?["kind"] == nil)
            let widgets = try await server.get(Paths.widgets()).json
            #expect(widgets["kind"] == "WidgetList")
            #expect(widgets["items"]?[0]?["kind"] == "Widget")
            #expect(widgets["items"]?[0]?["apiVersion"] == "example.dev/v1")
        }
    }

    @Test func partialObjectMetadataLists() async throws {
        try await withServer { server in
            _ = try await server.post(Paths.configMaps(), Sample.configMap("a", data: ["big": "value"]))
            let list = try await server.get(Paths.configMaps(),
                                            accept: "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io")
            #expect(list.json["kind"] == "PartialObjectMetadataList")
            #expect(list.json["items"]?[0]?["metadata"]?["name"] == "a")
            #expect(list.json["items"]?[0]?["data"] == nil)
            let protobufOnly = try await server.get(Paths.configMaps(), accept: "application/vnd.kubernetes.protobuf")
            #expect(protobufOnly.status == 406)
        }
    }
}
