import Foundation
import KeywardCore
import KubeAPIServer
import Testing

/// networking.k8s.io/v1 Ingress and gateway.networking.k8s.io/v1 HTTPRoute, which the ACME HTTP-01 solver writes:
/// discovery, validation, generation, status defaults, and the real kubectl creating, listing and deleting them.
@Suite struct NetworkingKindTests {
    static let ingresses = "/apis/networking.k8s.io/v1/namespaces/default/ingresses"
    static let routes = "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes"

    static func ingress(_ name: String, path: String = "/.well-known/acme-challenge/abc", pathType: String? = "Exact",
                        port: JSONValue = ["number": 8089]) -> JSONValue {
        var entry: JSONValue = ["path": .string(path), "backend": ["service": ["name": "keyward-acme", "port": port]]]
        if let pathType { entry.assign(["pathType"], .string(pathType)) }
        return ["metadata": ["name": .string(name)],
                "spec": ["ingressClassName": "nginx", "rules": [["host": "www.example.test", "http": ["paths": [entry]]]]]]
    }

    static func route(_ name: String, host: String = "www.example.test", port: JSONValue? = 8089) -> JSONValue {
        var backend: JSONValue = ["name": "keyward-acme"]
        if let port { backend.assign(["port"], port) }
        return ["metadata": ["name": .string(name)],
                "spec": ["parentRefs": [["name": "public", "namespace": "gateways"]], "hostnames": [.string(host)],
                         "rules": [["matches": [["path": ["type": "Exact", "value": "/.well-known/acme-challenge/abc"]]],
                                    "backendRefs": [backend]]]]]
    }

    @Test func ingressesAreValidatedAndTrackGeneration() async throws {
        try await withServer { server in
            let discovery = try await server.get("/apis/networking.k8s.io/v1").json
            let entry = discovery["resources"]?.arrayValue?.first { $0["name"] == "ingresses" }
            #expect(entry?["namespaced"] == true && entry?["kind"] == "Ingress" && entry?["shortNames"] == ["ing"])

            let created = try await server.post(Self.ingresses, Self.ingress("solver"))
            #expect(created.status == 201)
            #expect(created.json["metadata"]?["generation"] == 1)
            #expect(created.json["status"] == ["loadBalancer": [:]])

            let noType = try await server.post(Self.ingresses, Self.ingress("no-type", pathType: nil))
            #expect(noType.status == 422 && noType.json.causeFields.contains("spec.rules[0].http.paths[0].pathType"))
            let relative = try await server.post(Self.ingresses, Self.ingress("relative", path: "acme"))
            #expect(relative.status == 422 && relative.json.causeFields.contains("spec.rules[0].http.paths[0].path"))
            let badPort = try await server.post(Self.ingresses, Self.ingress("bad-port", port: ["number": 70000]))
            #expect(badPort.status == 422
                    && badPort.json.causeFields.contains("spec.rules[0].http.paths[0].backend.service.port.number"))
            let empty = try await server.post(Self.ingresses, ["metadata": ["name": "empty"], "spec": [:]])
            #expect(empty.status == 422 && empty.json.causeFields.contains("spec"))

            let patched = try await server.patch("\(Self.ingresses)/solver", ["spec": ["ingressClassName": "traefik"]])
            #expect(patched.status == 200 && patched.json["metadata"]?["generation"] == 2)
            let labelled = try await server.patch("\(Self.ingresses)/solver", ["metadata": ["labels": ["a": "b"]]])
            #expect(labelled.json["metadata"]?["generation"] == 2, "metadata changes do not count")
        }
    }

    @Test func httpRoutesAreServedAndValidated() async throws {
        try await withServer { server in
            let groups = try await server.get("/apis").json["groups"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(groups.contains("gateway.networking.k8s.io"))
            let created = try await server.post(Self.routes, Self.route("solver"))
            #expect(created.status == 201 && created.json["metadata"]?["generation"] == 1)
            let noPort = try await server.post(Self.routes, Self.route("no-port", port: nil))
            #expect(noPort.status == 422 && noPort.json.causeFields.contains("spec.rules[0].backendRefs[0].port"))
            let badHost = try await server.post(Self.routes, Self.route("bad-host", host: "Not_A_Host"))
            #expect(badHost.status == 422 && badHost.json.causeFields.contains("spec.hostnames[0]"))
            let wildcard = try await server.post(Self.routes, Self.route("wildcard", host: "*.example.test"))
            #expect(wildcard.status == 201)
            #expect(try await server.delete("\(Self.routes)/solver").status == 200)
            #expect(try await server.get("\(Self.routes)/solver").status == 404)
        }
    }

    @Test func kubectlCreatesListsAndDeletesBoth() async throws {
        guard let executable = ExternalTool.find("kubectl") else { throw KubectlTests.KubectlMissing() }
        try await withServer { server in
            let kubeconfig = server.directory.appendingPathComponent("kubeconfig")
            try server.server.writeKubeconfig(to: kubeconfig)
            let kubectl = KubectlTests.Kubectl(executable: executable, directory: server.directory, kubeconfig: kubeconfig)
            let ingressFile = server.directory.appendingPathComponent("ingress.json")
            let routeFile = server.directory.appendingPathComponent("route.json")
            try Self.with(Self.ingress("solver"), apiVersion: "networking.k8s.io/v1", kind: "Ingress").serialized().write(to: ingressFile)
            try Self.with(Self.route("solver"), apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute").serialized().write(to: routeFile)
            let applied = try await kubectl("apply", "-f", ingressFile.path, "-f", routeFile.path)
            #expect(applied.output.contains("ingress.networking.k8s.io/solver created"))
            #expect(applied.output.contains("httproute.gateway.networking.k8s.io/solver created"))
            let table = try await kubectl("get", "ingress")
            #expect(table.output.contains("solver") && table.output.contains("www.example.test") && table.output.contains("nginx"))
            let routes = try await kubectl("get", "httproutes", "-o", "name")
            #expect(routes.output.contains("httproute.gateway.networking.k8s.io/solver"))
            try await kubectl("delete", "-f", ingressFile.path, "-f", routeFile.path)
            #expect(try await server.get("\(Self.ingresses)/solver").status == 404)
            #expect(try await server.get("\(Self.routes)/solver").status == 404)
        }
    }

    static func with(_ object: JSONValue, apiVersion: String, kind: String) -> JSONValue {
        var o = object
        o.assign(["apiVersion"], .string(apiVersion))
        o.assign(["kind"], .string(kind))
        return o
    }
}
