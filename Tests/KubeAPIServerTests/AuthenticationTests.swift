import Foundation
import KeywardCore
import KubeAPIServer
import Testing

/// Authentication: bearer tokens, client certificates, anonymous endpoints, identities in the logs.
@Suite struct AuthenticationTests {
    @Test func missingOrWrongTokensAre401Status() async throws {
        try await withServer { server in
            for credential in [Credential.anonymous, .token("wrong")] {
                let response = try await server.request("GET", Paths.configMaps(), credential: credential)
                #expect(response.status == 401)
                #expect(response.json["kind"] == "Status")
                #expect(response.json["reason"] == "Unauthorized")
                #expect(response.json["code"] == 401)
            }
            let discovery = try await server.request("GET", "/apis", credential: .anonymous)
            #expect(discovery.status == 401)
            // What system:public-info-viewer allows anyone.
            #expect(try await server.request("GET", "/version", credential: .anonymous).json["gitVersion"] != nil)
            #expect(try await server.request("GET", "/healthz", credential: .anonymous).text == "ok")
        }
    }

    @Test func severalTokensAreSeveralUsers() async throws {
        try await withServer({ $0.tokens = ["alice-token": "alice", "bob-token": "bob"] }) { server in
            _ = try await server.request("POST", Paths.configMaps(), body: Sample.configMap("a"), credential: .token("alice-token"))
            _ = try await server.request("GET", Paths.configMaps("default", "a"), credential: .token("bob-token"))
            _ = try await server.request("GET", Paths.configMaps(), credential: .token("nobody"))
            let requests = await server.server.requestLog()
            #expect(requests.map(\.user) == ["alice", "bob", nil])
            #expect(requests.map(\.code) == [201, 200, 401])
            #expect(requests.map(\.verb) == [.create, .get, nil])
            #expect(requests[0].resource == "configmaps" && requests[0].namespace == "default" && requests[0].name == "a")
            let writes = await server.server.writeLog()
            #expect(writes.count == 1)
            #expect(writes.first?.user == "alice")
            #expect(writes.first?.verb == .create)
            #expect(writes.first?.changed == true)
        }
    }

    @Test func clientCertificatesSignedByTheServerCAAuthenticate() async throws {
        try await withServer({ $0.clientCA = .serverCA }) { server in
            let certificate = try server.server.issueClientCertificate(user: "carol", groups: ["ops"])
            #expect(!"\(certificate)".contains("PRIVATE KEY"))
            let response = try await server.request("GET", Paths.configMaps(), credential: .clientCertificate(certificate))
            #expect(response.status == 200)
            #expect(await server.server.requestLog().last?.user == "carol")
            // Bearer tokens still work next to certificates; anonymous does not.
            #expect(try await server.get(Paths.configMaps()).status == 200)
            #expect(try await server.request("GET", Paths.configMaps(), credential: .anonymous).status == 401)
        }
    }

    @Test func kubeconfigCarriesTheCAAndToken() async throws {
        try await withServer { server in
            let yaml = server.server.kubeconfigYAML
            #expect(yaml.contains("server: \(server.server.url.absoluteString)"))
            #expect(yaml.contains("certificate-authority-data: \(Data(server.server.caCertificatePEM.utf8).base64EncodedString())"))
            #expect(yaml.contains("token: \(server.server.token)"))
            let file = server.directory.appendingPathComponent("kubeconfig")
            try server.server.writeKubeconfig(to: file, namespace: "team")
            let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(try String(contentsOf: file, encoding: .utf8).contains("namespace: team"))
        }
    }

    @Test func onlyLoopbackIsAccepted() async throws {
        var configuration = APIServerConfiguration()
        configuration.host = "0.0.0.0"
        await #expect(throws: APIServerError.self) { _ = try await APIServer.start(configuration) }
    }
}
