import Foundation
import KeywardCore
import KubeAPIServer
import Testing

/// Discovery (legacy and aggregated), /version and the OpenAPI v3 index kubectl reads.
@Suite struct DiscoveryTests {
    @Test func legacyDiscoveryListsGroupsAndResources() async throws {
        try await withServer({ $0.crdDirectories = [repositoryRoot().appendingPathComponent("crds")] }) { server in
            let api = try await server.get("/api").json
            #expect(api["kind"] == "APIVersions")
            #expect(api["versions"] == ["v1"])
            let groups = try await server.get("/apis").json
            #expect(groups["kind"] == "APIGroupList")
            let names = groups["groups"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(names == ["apps", "events.k8s.io", "batch", "networking.k8s.io", "coordination.k8s.io", "apiextensions.k8s.io",
                              "gateway.networking.k8s.io", "keyward.dev"])
            let core = try await server.get("/api/v1").json
            let secrets = core["resources"]?.arrayValue?.first { $0["name"] == "secrets" }
            #expect(secrets?["namespaced"] == true)
            #expect(secrets?["kind"] == "Secret")
            #expect(secrets?["verbs"]?.arrayValue?.contains("watch") == true)
            let keyward = try await server.get("/apis/keyward.dev/v1alpha1").json
            let certificates = keyward["resources"]?.arrayValue?.first { $0["name"] == "certificates" }
            #expect(certificates?["shortNames"] == ["kwcert", "kwcerts"])
            #expect(certificates?["categories"] == ["keyward"])
            #expect(try await server.get("/apis/keyward.dev").json["preferredVersion"]?["version"] == "v1alpha1")
            #expect(try await server.get("/apis/nothing.dev/v1").status == 404)
        }
    }

    @Test func aggregatedDiscoveryWhenAsked() async throws {
        try await withServer { server in
            let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
            let response = try await server.get("/apis", accept: accept)
            #expect(response.headers["content-type"] == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
            #expect(response.json["kind"] == "APIGroupDiscoveryList")
            let apps = response.json["items"]?.arrayValue?.first { $0["metadata"]?["name"] == "apps" }
            let deployments = apps?["versions"]?[0]?["resources"]?.arrayValue?.first { $0["resource"] == "deployments" }
            #expect(deployments?["scope"] == "Namespaced")
            #expect(deployments?["subresources"]?[0]?["subresource"] == "status")
        }
    }

    @Test func aggregatedDiscoveryCanBeTurnedOff() async throws {
        try await withServer({ $0.aggregatedDiscovery = false }) { server in
            let response = try await server.get("/apis", accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json")
            #expect(response.json["kind"] == "APIGroupList")
        }
    }

    @Test func openAPIV3AdvertisesFieldValidation() async throws {
        try await withServer({ $0.crdDirectories = [repositoryRoot().appendingPathComponent("crds")] }) { server in
            let root = try await server.get("/openapi/v3").json
            let url = try #require(root["paths"]?["apis/keyward.dev/v1alpha1"]?["serverRelativeURL"]?.stringValue)
            let document = try await server.get(url).json
            let item = document["paths"]?["/apis/keyward.dev/v1alpha1/namespaces/{namespace}/certificates/{name}"]
            #expect(item?["patch"]?["x-kubernetes-group-version-kind"]?["kind"] == "Certificate")
            let parameters = item?["patch"]?["parameters"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(parameters.contains("fieldValidation"))
            #expect(try await server.get("/openapi/v3/apis/nothing.dev/v1").status == 404)
        }
    }

    @Test func versionIsAnonymous() async throws {
        try await withServer { server in
            let version = try await server.request("GET", "/version", credential: .anonymous).json
            #expect(version["major"] == "1")
            #expect(version["gitVersion"]?.stringValue?.hasPrefix("v1.") == true)
        }
    }
}
