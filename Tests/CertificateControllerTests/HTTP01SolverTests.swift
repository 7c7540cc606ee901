@testable import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Testing

/// The HTTP-01 solver against keyward-apiserver and real listeners: the challenge listener answers from the
/// informer cache; Ingresses and HTTPRoutes exist while a challenge is presented and are gone after cleanup (an
/// existing Ingress gets exactly one path and loses exactly it); the self-check says what came back.
@Suite("ACME HTTP-01 solver")
struct HTTP01SolverTests {
    static let loopback = EgressPolicy(allow: [try! CIDR(parsing: "127.0.0.0/8")])
    static let token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"
    static let keyAuthorization = "\(token).9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"

    static func challenge(_ dnsName: String = "www.example.test", token: String = token) -> ACMEChallengeTask {
        ACMEChallengeTask(dnsName: dnsName, type: .http01, url: "https://ca.test/chall/\(token)", token: token,
                          keyAuthorization: "\(token).9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI", solverIndex: 0)
    }

    static func context(_ h: Harness, _ certificate: Certificate, http01: IssuerSpec.ACME.HTTP01,
                        egress: EgressPolicy = loopback) -> ACMESolverContext {
        ACMESolverContext(certificateNamespace: certificate.metadata.namespace, certificateName: certificate.metadata.name,
                          certificateUID: certificate.metadata.uid, issuerDisplayName: "Issuer/acme",
                          solver: IssuerSpec.ACME.Solver(http01: http01), secretNamespace: "default", store: h.store,
                          egress: egress, now: Date())
    }

    static let backend = HTTP01ServiceBackend(name: "keyward-acme-http01", namespace: "keyward", port: 8089)
    static let clusterSolver = HTTP01Solver(environment: .cluster(backend))

    /// Runs a challenge listener on a free loopback port for `body`, then stops it gracefully.
    static func withListener(_ lookup: any ACMEChallengeLookup,
                             _ body: (Int) async throws -> Void) async throws {
        let server = try await ACMEChallengeServer(address: "127.0.0.1:0", lookup: lookup).start()
        do { try await body(server.port) } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    static func get(_ url: String) async throws -> HTTPResponse {
        let transport = CurlTransport(tls: TLSSettings())
        defer { transport.shutdown() }
        return try await transport.send(HTTPRequest(method: .get, url: URL(string: url)!, timeout: .seconds(10)))
    }

    // MARK: The listener

    @Test("every replica's listener answers from its informer cache, and no request becomes an API read")
    func listenerServesFromTheCache() async throws {
        try await Harness.with(.cluster) { h in
            let server = try #require(h.server), client = try #require(h.client)
            let certificate = try await h.create("web", .leaf(issuer: "root-ca"))
            let index = HTTP01ChallengeIndex()
            let informer = Informer<Certificate>(client: client)
            await informer.addHandler { await index.observe($0) }
            let task = Task { await informer.run() }
            defer { task.cancel() }
            await informer.waitForSync()

            try await Self.withListener(index) { port in
                let url = "http://127.0.0.1:\(port)/.well-known/acme-challenge/\(Self.token)"
                #expect(try await Self.get(url).status == 404, "nothing pending yet")

                var pending = certificate
                pending.status = Certificate.Status()
                pending.status?.pendingRequest = Certificate.PendingRequest(
                    issuer: "Issuer/acme", generation: 1, since: Date(), message: "validating", keySecretName: "web-tls-next-key",
                    state: [ACMEPendingState.http01Prefix + Self.token: Self.keyAuthorization, "acme.order": "https://ca.test/order/1"])
                _ = try await h.store.updateStatus(pending)
                let served = await within(15) { (try? await Self.get(url))?.status == 200 }
                #expect(served)

                await server.clearLogs()
                let response = try await Self.get(url)
                #expect(response.status == 200)
                #expect(String(decoding: response.body, as: UTF8.self) == Self.keyAuthorization)
                #expect(response.header("content-type")?.hasPrefix("text/plain") == true)
                #expect(await server.requestLog().isEmpty, "the listener asked the API server")

                var done = try await h.certificate("web")
                done.status?.pendingRequest = nil
                _ = try await h.store.updateStatus(done)
                #expect(await within(15) { (try? await Self.get(url))?.status == 404 }, "a finished order is not served")
            }
        }
    }

    /// A lookup over a fixed table, holding entries the syntax check must keep unreachable.
    struct Table: ACMEChallengeLookup {
        var entries: [String: String]
        func keyAuthorization(forToken token: String) async -> String? { entries[token] }
    }

    @Test("only GET /.well-known/acme-challenge/<base64url token> answers; everything else is 404")
    func listenerRefusesEverythingElse() async throws {
        let long = String(repeating: "a", count: ACMEChallengeToken.maximumLength + 1)
        let table = Table(entries: [Self.token: Self.keyAuthorization, "a.b": "dotted", long: "long", "..": "parent"])
        try await Self.withListener(table) { port in
            let base = "http://127.0.0.1:\(port)"
            #expect(try await Self.get("\(base)/.well-known/acme-challenge/\(Self.token)").status == 200)
            for path in ["/.well-known/acme-challenge/unknown-token", "/.well-known/acme-challenge/a.b",
                         "/.well-known/acme-challenge/\(long)", "/.well-known/acme-challenge/%2E%2E",
                         "/.well-known/acme-challenge/", "/.well-known/acme-challenge/\(Self.token)/x", "/metrics",
                         "/", "/healthz", "/.well-known/acme-challenge/a%2Eb"] {
                let response = try await Self.get(base + path)
                #expect(response.status == 404, "\(path) answered \(response.status)")
                #expect(!String(decoding: response.body, as: UTF8.self).contains("dotted"))
            }
            let transport = CurlTransport(tls: TLSSettings())
            defer { transport.shutdown() }
            let post = try await transport.send(HTTPRequest(method: .post, url: URL(string: "\(base)/.well-known/acme-challenge/\(Self.token)")!,
                                                            body: Data(), timeout: .seconds(10)))
            #expect(post.status != 200)
        }
        #expect(ACMEChallengeToken.isValid(Self.token))
        for bad in ["", "a.b", "a/b", "a%2F", "a=", "a b", long, "é"] { #expect(!ACMEChallengeToken.isValid(bad), "\(bad)") }
    }

    @Test("a taken port names --acme-http01-address")
    func busyPort() async throws {
        try await Self.withListener(Table(entries: [:])) { port in
            let second = try ACMEChallengeServer(address: "127.0.0.1:\(port)", lookup: Table(entries: [:]))
            await #expect {
                try await second.run()
            } throws: { error in
                "\(error)".contains("--acme-http01-address") && "\(error)".contains("127.0.0.1:\(port)")
            }
        }
        #expect(throws: ACMEChallengeServerError.self) { try ACMEChallengeServer(address: "nope", lookup: Table(entries: [:])) }
    }

    // MARK: Ingress

    @Test("an Ingress of the class exists while the challenge is presented and is gone after cleanup")
    func ingressLifecycle() async throws {
        try await Harness.with(.cluster) { h in
            let certificate = try await h.create("web", .leaf(issuer: "root-ca"))
            let context = Self.context(h, certificate, http01: .init(ingress: .init(ingressClassName: "nginx")))
            let challenge = Self.challenge()
            let name = HTTP01RouteMetadata.name(for: challenge)

            try await Self.clusterSolver.present(challenge, context: context)
            try await Self.clusterSolver.present(challenge, context: context)  // idempotent: a resumed pass
            let ingress = try #require(try await h.store.get(Ingress.self, namespace: "default", name: name))
            #expect(ingress.spec.ingressClassName == "nginx")
            let rule = try #require(ingress.spec.rules?.first)
            #expect(rule.host == "www.example.test")
            #expect(rule.http?.paths == [Ingress.Path(pathType: "Exact", path: "/.well-known/acme-challenge/\(Self.token)",
                                                       backend: .init(service: .init(name: "keyward-acme-http01", port: .init(number: 8089))))])
            #expect(ingress.metadata.ownerReferences.first?.uid == certificate.metadata.uid)
            #expect(ingress.metadata.labels[KeywardLabels.owned] == KeywardLabels.ownedValue)

            try await Self.clusterSolver.cleanup(challenge, context: context)
            #expect(try await h.store.get(Ingress.self, namespace: "default", name: name) == nil)
            try await Self.clusterSolver.cleanup(challenge, context: context)  // nothing there is fine

            // An Ingress of that name Keyward did not make is neither used nor deleted.
            let foreign = Ingress(metadata: ObjectMeta(name: name, namespace: "default"),
                                  spec: .init(rules: [.init(host: "other.example.test", http: .init(paths: [
                                      .init(pathType: "Prefix", path: "/", backend: .init(service: .init(name: "web", port: .init(number: 80)))),
                                  ]))]))
            _ = try await h.store.create(foreign)
            await #expect(throws: ACMESolverError.self) { try await Self.clusterSolver.present(challenge, context: context) }
            try await Self.clusterSolver.cleanup(challenge, context: context)
            #expect(try await h.store.get(Ingress.self, namespace: "default", name: name) != nil)
        }
    }

    @Test("an existing Ingress gets exactly the challenge path and loses exactly it")
    func existingIngressIsPatched() async throws {
        try await Harness.with(.cluster) { h in
            let certificate = try await h.create("web", .leaf(issuer: "root-ca"))
            let original = Ingress.Spec(
                ingressClassName: "nginx",
                tls: [Ingress.TLS(hosts: ["www.example.test"], secretName: "web-tls")],
                rules: [.init(host: "www.example.test", http: .init(paths: [
                    .init(pathType: "Prefix", path: "/", backend: .init(service: .init(name: "web", port: .init(name: "http")))),
                ]))])
            _ = try await h.store.create(Ingress(metadata: ObjectMeta(name: "web", namespace: "default"), spec: original))
            let context = Self.context(h, certificate, http01: .init(ingress: .init(name: "web")))
            let onHost = Self.challenge("www.example.test")
            let newHost = Self.challenge("api.example.test", token: "b" + String(Self.token.dropFirst()))

            try await Self.clusterSolver.present(onHost, context: context)
            try await Self.clusterSolver.present(newHost, context: context)
            try await Self.clusterSolver.present(onHost, context: context)
            let patched = try #require(try await h.store.get(Ingress.self, namespace: "default", name: "web"))
            let www = try #require(patched.spec.rules?.first { $0.host == "www.example.test" })
            #expect(www.http?.paths.map(\.path) == ["/", onHost.http01Path])
            let api = try #require(patched.spec.rules?.first { $0.host == "api.example.test" })
            #expect(api.http?.paths.map(\.path) == [newHost.http01Path])
            #expect(patched.spec.tls == original.tls)

            try await Self.clusterSolver.cleanup(onHost, context: context)
            try await Self.clusterSolver.cleanup(newHost, context: context)
            try await Self.clusterSolver.cleanup(newHost, context: context)
            let restored = try #require(try await h.store.get(Ingress.self, namespace: "default", name: "web"))
            #expect(restored.spec == original)
            #expect(restored.metadata.annotations.keys.allSatisfy { !$0.hasPrefix("keyward.dev/acme-http01") })

            let missing = Self.context(h, certificate, http01: .init(ingress: .init(name: "absent")))
            await #expect {
                try await Self.clusterSolver.present(onHost, context: missing)
            } throws: { error in
                (error as? ACMESolverError)?.message.contains("Ingress absent not found") == true
            }
        }
    }

    // MARK: HTTPRoute

    @Test("an HTTPRoute to the parents exists while the challenge is presented and is gone after cleanup")
    func httpRouteLifecycle() async throws {
        try await Harness.with(.cluster) { h in
            let certificate = try await h.create("web", .leaf(issuer: "root-ca"))
            let parents = [IssuerSpec.ACME.HTTP01.GatewayHTTPRoute.ParentReference(name: "public", namespace: "gateways",
                                                                                     sectionName: "http")]
            let context = Self.context(h, certificate, http01: .init(gatewayHTTPRoute: .init(parentRefs: parents)))
            let challenge = Self.challenge()
            let name = HTTP01RouteMetadata.name(for: challenge)

            try await Self.clusterSolver.present(challenge, context: context)
            let route = try #require(try await h.store.get(HTTPRoute.self, namespace: "default", name: name))
            #expect(route.spec.parentRefs == [HTTPRoute.ParentReference(namespace: "gateways", name: "public", sectionName: "http")])
            #expect(route.spec.hostnames == ["www.example.test"])
            #expect(route.spec.rules?.first?.matches?.first?.path == HTTPRoute.PathMatch(type: "Exact", value: challenge.http01Path))
            #expect(route.spec.rules?.first?.backendRefs == [HTTPRoute.BackendRef(name: "keyward-acme-http01", namespace: "keyward", port: 8089)])
            #expect(route.metadata.ownerReferences.first?.uid == certificate.metadata.uid)

            try await Self.clusterSolver.cleanup(challenge, context: context)
            #expect(try await h.store.get(HTTPRoute.self, namespace: "default", name: name) == nil)
        }
    }

    @Test("listen and webroot are refused in a cluster, ingress and routes standalone, with the field named")
    func environmentMismatch() async throws {
        try await Harness.with(.files) { h in
            let certificate = try await h.create("web", .leaf(issuer: "root-ca"))
            let webroot = Self.context(h, certificate, http01: .init(webroot: "/srv/www"))
            await #expect { try await Self.clusterSolver.present(Self.challenge(), context: webroot) } throws: { error in
                (error as? ACMESolverError)?.message.contains("http01.ingress or http01.gatewayHTTPRoute") == true
            }
            let standalone = HTTP01Solver(environment: .standalone(HTTP01StandaloneListeners()))
            let ingress = Self.context(h, certificate, http01: .init(ingress: .init(ingressClassName: "nginx")))
            await #expect { try await standalone.present(Self.challenge(), context: ingress) } throws: { error in
                (error as? ACMESolverError)?.message.contains("http01.listen or http01.webroot") == true
            }
        }
    }

    // MARK: Self-check

    @Test("the self-check passes through the listener and says what came back when it cannot")
    func selfCheck() async throws {
        let table = Table(entries: [Self.token: Self.keyAuthorization, "wrong-body": "something else"])
        try await Self.withListener(table) { port in
            // www.example.test resolves nowhere here: connect it to the listener, as a split-horizon DNS would.
            let check = HTTP01SelfCheck(port: port, connectTo: [HTTP01ConnectTo(parsing: ":\(port):127.0.0.1:\(port)")!])
            #expect(await check.check(domain: "www.example.test", token: Self.token, keyAuthorization: Self.keyAuthorization,
                                      egress: Self.loopback) == .ready)

            let missing = await check.check(domain: "www.example.test", token: "unknown", keyAuthorization: "unknown.x",
                                            egress: Self.loopback)
            #expect(Self.message(missing).contains("HTTP 404"))
            #expect(Self.message(missing).contains("http://www.example.test:\(port)/.well-known/acme-challenge/unknown"))

            let wrong = await check.check(domain: "www.example.test", token: "wrong-body", keyAuthorization: "wrong-body.x",
                                          egress: Self.loopback)
            #expect(Self.message(wrong).contains("not this challenge's key authorization"))

            let denied = await check.check(domain: "www.example.test", token: Self.token, keyAuthorization: Self.keyAuthorization,
                                           egress: EgressPolicy())
            #expect(Self.message(denied).contains("egress policy denies"))
        }
        let refusing = try ClosedPort()
        let closed = refusing.port
        defer { withExtendedLifetime(refusing) {} }
        let nobody = HTTP01SelfCheck(port: closed, connectTo: [HTTP01ConnectTo(parsing: ":\(closed):127.0.0.1:\(closed)")!])
        let refused = await nobody.check(domain: "www.example.test", token: Self.token, keyAuthorization: Self.keyAuthorization,
                                         egress: Self.loopback)
        #expect(Self.message(refused).contains("self-check GET http://www.example.test:\(closed)/"))
        #expect(HTTP01ConnectTo(parsing: "a:b:c") == nil && HTTP01ConnectTo(parsing: "a:80::80") == nil)
    }

    static func message(_ outcome: ACMESelfCheck) -> String {
        if case .notReady(let message) = outcome { return message }
        return "ready"
    }

    // MARK: Standalone

    @Test("webroot: the token file appears while presented (0644, exact content) and is removed afterwards")
    func webroot() async throws {
        try await Harness.with(.files) { h in
            let certificate = try await h.create("web", .leaf(issuer: "root-ca"))
            let root = h.directory.path("www")
            let solver = HTTP01Solver(environment: .standalone(HTTP01StandaloneListeners()))
            let context = Self.context(h, certificate, http01: .init(webroot: root))
            let file = "\(root)/.well-known/acme-challenge/\(Self.token)"

            try await solver.present(Self.challenge(), context: context)
            #expect(try String(contentsOfFile: file, encoding: .utf8) == Self.keyAuthorization)
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            #expect((attributes[.posixPermissions] as? Int) == 0o644)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: "\(root)/.well-known/acme-challenge")
            #expect(leftovers == [Self.token], "no temporary file stays behind")

            try await solver.cleanup(Self.challenge(), context: context)
            #expect(!FileManager.default.fileExists(atPath: file))
            try await solver.cleanup(Self.challenge(), context: context)

            await #expect(throws: ACMESolverError.self) {
                try await solver.present(Self.challenge(token: "../../etc/passwd"), context: context)
            }
        }
    }

    @Test("listen: Keyward's own listener serves the challenge while presented, 404 after")
    func ownListener() async throws {
        try await Harness.with(.files) { h in
            let certificate = try await h.create("web", .leaf(issuer: "root-ca"))
            let listeners = HTTP01StandaloneListeners()
            let solver = HTTP01Solver(environment: .standalone(listeners))
            let context = Self.context(h, certificate, http01: .init(listen: "127.0.0.1:0"))

            try await solver.present(Self.challenge(), context: context)
            let port = try #require(await listeners.boundPort(for: "127.0.0.1:0"))
            #expect(port != 0)
            let url = "http://127.0.0.1:\(port)/.well-known/acme-challenge/\(Self.token)"
            let served = try await Self.get(url)
            #expect(served.status == 200 && String(decoding: served.body, as: UTF8.self) == Self.keyAuthorization)
            try await solver.cleanup(Self.challenge(), context: context)
            #expect(try await Self.get(url).status == 404)

            // Challenges presented at once share one listener per address.
            let tokens = (0..<4).map { "concurrent-\($0)" }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for token in tokens {
                    group.addTask { try await solver.present(Self.challenge(token: token), context: context) }
                }
                try await group.waitForAll()
            }
            #expect(await listeners.boundPort(for: "127.0.0.1:0") == port)
            for token in tokens {
                #expect(try await Self.get("http://127.0.0.1:\(port)/.well-known/acme-challenge/\(token)").status == 200)
            }
            await listeners.shutdown()
            #expect(await listeners.boundPort(for: "127.0.0.1:0") == nil)
        }
    }
}
