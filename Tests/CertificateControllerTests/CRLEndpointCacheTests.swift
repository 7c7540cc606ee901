@testable import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Testing

/// `/crl/{namespace}/{name}.crl` answers from the informer caches only: any name, hit or miss, before or after the
/// caches synced, costs the API server no request, and what it serves is the CA's truth, not a tenant's ConfigMap.
@Suite("CRL endpoint reads the cache only")
struct CRLEndpointCacheTests {
    @Test("hits and misses make no API request; a forged ConfigMap is not what is served")
    func cacheOnly() async throws {
        try await Harness.with(.cluster) { h in
            let server = try #require(h.server)
            let client = try #require(h.client)
            try await h.create("root-ca", .rootCA())
            try await h.create("web", .leaf())
            try await h.converge("root-ca", "web")
            try await h.edit("web") { $0.metadata.annotations[KeywardAnnotations.revoke] = "keyCompromise" }
            try await h.converge("root-ca", "web")
            let truth = try #require(try await h.secret("root-ca")?.string(CertificateSecret.crlKey))

            // The operator's store, its caches not yet synced: nothing to serve, and nothing asked of the server.
            let store = KubernetesStore(client: client)
            let provider = CertificateCRLProvider(store: store)
            await server.clearLogs()
            #expect(await provider.crl(namespace: "default", name: "root-ca") == nil)
            #expect(await server.requestLog().isEmpty, "a /crl request before the caches synced reached the API server")

            let owned = InformerConfiguration(labelSelector: [KeywardLabels.owned: KeywardLabels.ownedValue])
            let certificates = Informer<Certificate>(client: client)
            let secrets = Informer<Secret>(client: client, configuration: owned)
            let configMaps = Informer<ConfigMap>(client: client, configuration: owned)
            store.register(certificates)
            store.register(secrets)
            store.register(configMaps)
            let tasks = [Task { await certificates.run() }, Task { await secrets.run() }, Task { await configMaps.run() }]
            defer { for task in tasks { task.cancel() } }
            await certificates.waitForSync()
            await secrets.waitForSync()
            await configMaps.waitForSync()

            // A tenant's forgery in the ConfigMap, labelled so it is cached.
            var map = try #require(try await h.store.get(ConfigMap.self, namespace: "default", name: "root-ca-crl"))
            map.data?[CRLPublisher.pemKey] = "-----BEGIN X509 CRL-----\nZm9yZ2Vk\n-----END X509 CRL-----\n"
            map.binaryData = [CRLPublisher.derKey: Data("forged".utf8)]
            _ = try await h.store.update(map)

            await server.clearLogs()
            let served = try #require(await provider.crl(namespace: "default", name: "root-ca"))
            #expect(Array(served) == (try CertificateRevocationList(pemEncoded: truth)).derEncoded)
            #expect(try CertificateRevocationList(derEncoded: Array(served)).entries.count == 1)
            for name in ["web", "nope", "root-ca-crl", "../kube-system/x", String(repeating: "a", count: 300)] {
                #expect(await provider.crl(namespace: "default", name: name) == nil, "\(name)")
            }
            #expect(await provider.crl(namespace: "kube-system", name: "root-ca") == nil)
            // The route the certificate controller registers answers the same, and 404 for what has no CRL.
            let routed = await provider.route.handler(["namespace": "default", "name": "root-ca"])
            #expect(routed.status == 200 && routed.contentType == "application/pkix-crl" && routed.body == Array(served))
            #expect(await provider.route.handler(["namespace": "default", "name": "web"]).status == 404)
            #expect(await provider.route.handler([:]).status == 404)
            let reads = await server.requestLog().filter { $0.method == "GET" && $0.name != nil }
            #expect(reads.isEmpty, "/crl requests became API reads: \(reads.map(\.path))")
        }
    }
}
