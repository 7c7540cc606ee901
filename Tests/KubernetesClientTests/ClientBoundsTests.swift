import Foundation
import KeywardCore
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Testing

/// The client's own bounds: `--qps/--burst` as a token bucket on every request, bounded reads, and the in-cluster CA
/// bundle re-read when the kubelet replaces it.
@Suite struct ClientBoundsTests {
    /// Counted, not timed: on a clock that only moves when told, exactly `burst` requests reach the server, and each
    /// second lets `qps` more through.
    @Test func qpsAndBurstBoundTheRequestsSentPerWindow() async throws {
        let server = try await APIServer.start(APIServerConfiguration())
        let clock = ManualClock()
        let client = KubernetesClient(configuration: TestCluster.clientConfiguration(for: server), clock: clock,
                                      rateLimit: RequestRateLimit(qps: 2, burst: 3))
        func sent() async -> Int {
            await server.requestLog().filter { $0.verb == .list && $0.resource == "configmaps" }.count
        }
        let requests = (0..<10).map { _ in
            Task { try await client.list(ConfigMap.self, in: .namespace("default")).items.count }
        }
        #expect(await within(30) { await sent() == 3 && clock.sleeperCount == 7 }, "the burst goes out, the rest waits")
        #expect(await sent() == 3)
        clock.advance(by: 1)
        #expect(await within(30) { await sent() == 5 && clock.sleeperCount == 5 }, "one second: qps (2) more")
        #expect(await sent() == 5)
        clock.advance(by: 2.5)
        for request in requests { _ = try await request.value }
        #expect(await sent() == 10)
        #expect(client.throttledRequests == 7)
        client.shutdown()
        await server.shutdown()
    }

    @Test func boundedGetStopsReadingAnObjectOverItsLimit() async throws {
        try await withCluster { cluster in
            let big = String(repeating: "x", count: 300 * 1024)
            _ = try await cluster.client.create(ConfigMap(metadata: ObjectMeta(name: "big", namespace: "default"),
                                                          data: ["blob": big]))
            await #expect(throws: ResponseTooLarge.self) {
                _ = try await cluster.client.get(ConfigMap.self, name: "big", namespace: "default", maxBytes: 64 * 1024)
            }
            let read = try await cluster.client.get(ConfigMap.self, name: "big", namespace: "default", maxBytes: 1024 * 1024)
            #expect(read.data?["blob"]?.count == big.count)
            // The refused read stopped at the limit and was not retried: one GET each.
            let gets = await cluster.server.requestLog().filter { $0.verb == .get && $0.name == "big" }
            #expect(gets.count == 2)
        }
    }

    /// The in-cluster configuration trusts `ca.crt` as it is when a request starts: a rotated cluster CA (the kubelet
    /// swaps the file) is picked up without a restart, and a damaged file keeps the last good bundle.
    @Test func inClusterCABundleIsReReadWhenTheFileChanges() async throws {
        let server = try await APIServer.start(APIServerConfiguration())
        let other = try await APIServer.start(APIServerConfiguration())
        let directory = try TemporaryDirectory()
        _ = try directory.write("token", server.token)
        _ = try directory.write("namespace", "default")
        // Before the rotation: the file holds a CA that did not sign the server's certificate.
        let caPath = try directory.write("ca.crt", other.caCertificatePEM)
        let port = try #require(server.url.port)
        let configuration = try InClusterConfiguration.load(
            environment: ["KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "\(port)"],
            directory: directory.url.path)
        #expect(configuration.tls.caFile == caPath)
        let client = KubernetesClient(configuration: configuration, retryPolicy: .none)

        await #expect(throws: KubernetesError.self, "the server's certificate is not trusted yet") {
            _ = try await client.list(ConfigMap.self, in: .namespace("default"))
        }
        _ = try directory.write("ca.crt", server.caCertificatePEM)  // atomically replaced, as the kubelet does
        let list = try await client.list(ConfigMap.self, in: .namespace("default"))
        #expect(list.items.isEmpty)

        _ = try directory.write("ca.crt", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n")
        let again = try await client.list(ConfigMap.self, in: .namespace("default"))
        #expect(again.items.isEmpty, "a damaged bundle keeps the last good one")

        client.shutdown()
        await other.shutdown()
        await server.shutdown()
    }
}
