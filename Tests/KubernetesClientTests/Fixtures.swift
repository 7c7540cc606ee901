import Foundation
import KeywardCore
import KubeAPIServer
import KubernetesClient

/// A running test API server and a client configured for it (real TLS, bearer token).
struct TestCluster {
    let server: APIServer
    let client: KubernetesClient

    static func start(configure: (inout APIServerConfiguration) -> Void = { _ in },
                      retry: RetryPolicy = RetryPolicy(maxAttempts: 4, backoff: Backoff(base: 0.01, cap: 0.05)),
                      clock: any WallClock = SystemClock()) async throws -> TestCluster {
        var configuration = APIServerConfiguration()
        configuration.crdDirectories = [fixturesDirectory()]
        configure(&configuration)
        let server = try await APIServer.start(configuration)
        let client = KubernetesClient(configuration: clientConfiguration(for: server), retryPolicy: retry, clock: clock)
        return TestCluster(server: server, client: client)
    }

    static func clientConfiguration(for server: APIServer, token: String? = nil) -> ClientConfiguration {
        ClientConfiguration(server: server.url, tls: TLSSettings(caPEM: Data(server.caCertificatePEM.utf8)),
                            credentials: .token(token ?? server.token), namespace: "default")
    }

    func stop() async {
        client.shutdown()
        await server.shutdown()
    }

    /// Tests/KubernetesClientTests/Fixtures: a small CRD used to exercise custom-resource semantics.
    static func fixturesDirectory() -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }
}

/// Runs `body` with a fresh cluster and always stops it.
func withCluster(configure: (inout APIServerConfiguration) -> Void = { _ in },
                 retry: RetryPolicy = RetryPolicy(maxAttempts: 4, backoff: Backoff(base: 0.01, cap: 0.05)),
                 _ body: (TestCluster) async throws -> Void) async throws {
    let cluster = try await TestCluster.start(configure: configure, retry: retry)
    do { try await body(cluster) } catch {
        await cluster.stop()
        throw error
    }
    await cluster.stop()
}

/// A temporary directory removed at the end of the test.
struct TemporaryDirectory: ~Copyable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("keyward-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func write(_ name: String, _ text: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
