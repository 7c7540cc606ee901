import Foundation
import KeywardCore
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Testing

@Suite struct ClientFailureTests {
    @Test func retriesServerErrorsOnIdempotentRequests() async throws {
        try await withCluster { cluster in
            _ = try await cluster.client.create(ConfigMap(metadata: ObjectMeta(name: "cm", namespace: "default")))
            await cluster.server.faults.failNext(2, verb: .get, code: 500)
            let fetched = try await cluster.client.get(ConfigMap.self, name: "cm", namespace: "default")
            #expect(fetched.metadata.name == "cm")
        }
    }

    @Test func doesNotRetryServerErrorsOnCreate() async throws {
        try await withCluster { cluster in
            await cluster.server.faults.failNext(1, verb: .create, code: 500)
            do {
                _ = try await cluster.client.create(ConfigMap(metadata: ObjectMeta(name: "cm", namespace: "default")))
                Issue.record("a failed create must surface, not be replayed")
            } catch let error as KubernetesError {
                guard case .server(let status) = error else { Issue.record("expected 5xx, got \(error)"); return }
                #expect(status.code == 500)
            }
        }
    }

    @Test func honoursRetryAfterOn429() async throws {
        try await withCluster { cluster in
            await cluster.server.faults.failNext(1, verb: .list, code: 429, retryAfterSeconds: 1)
            let list = try await cluster.client.list(ConfigMap.self, in: .namespace("default"))
            #expect(list.items.isEmpty)
            // With retries exhausted the typed error carries Retry-After.
            let noRetry = KubernetesClient(configuration: TestCluster.clientConfiguration(for: cluster.server), retryPolicy: .none)
            defer { noRetry.shutdown() }
            await cluster.server.faults.failNext(1, verb: .list, code: 429, retryAfterSeconds: 7)
            do {
                _ = try await noRetry.list(ConfigMap.self, in: .namespace("default"))
                Issue.record("expected 429")
            } catch let error as KubernetesError {
                guard case .tooManyRequests(_, let retryAfter) = error else { Issue.record("expected 429, got \(error)"); return }
                #expect(retryAfter == 7)
            }
        }
    }

    /// A proxy or a broken server may send any text: only delay-seconds count, and no value traps or spins.
    @Test func retryAfterAcceptsOnlyDelaySeconds() {
        #expect(RetryAfterHeader.seconds("7") == 7)
        #expect(RetryAfterHeader.seconds(" 3 ") == 3)
        #expect(RetryAfterHeader.seconds("-5") == 0)
        for hostile in ["nan", "inf", "1e30", "-1e21", "0x10", "Wed, 21 Oct 2015 07:28:00 GMT", "", "99999999999999999999"] {
            #expect(RetryAfterHeader.seconds(hostile) == nil, "\(hostile)")
        }
        #expect(RetryAfterHeader.boundedWait(.nan, atMost: 60) == 60)
        #expect(RetryAfterHeader.boundedWait(.infinity, atMost: 60) == 60)
        #expect(RetryAfterHeader.boundedWait(-1e21, atMost: 60) == 0)
        #expect(RetryAfterHeader.boundedWait(9e18, atMost: 60) == 60)
        #expect(RetryAfterHeader.boundedWait(2, atMost: 60) == 2)
    }

    @Test func wrongTokenIsUnauthorized() async throws {
        try await withCluster { cluster in
            let client = KubernetesClient(configuration: TestCluster.clientConfiguration(for: cluster.server, token: "wrong"),
                                          retryPolicy: .none)
            defer { client.shutdown() }
            do {
                _ = try await client.list(Secret.self, in: .namespace("default"))
                Issue.record("expected 401")
            } catch let error as KubernetesError {
                guard case .unauthorized = error else { Issue.record("expected 401, got \(error)"); return }
            }
        }
    }

    @Test func untrustedServerIsATLSError() async throws {
        try await withCluster { cluster in
            var configuration = TestCluster.clientConfiguration(for: cluster.server)
            configuration.tls.caPEM = nil  // system roots do not trust the test CA
            let client = KubernetesClient(configuration: configuration, retryPolicy: .none)
            defer { client.shutdown() }
            do {
                _ = try await client.list(Secret.self, in: .namespace("default"))
                Issue.record("expected a TLS failure")
            } catch let error as KubernetesError {
                guard case .transport(.tls) = error else { Issue.record("expected TLS error, got \(error)"); return }
            }
        }
    }

    @Test func connectionRefusedIsATransportError() async throws {
        let client = KubernetesClient(configuration: ClientConfiguration(server: URL(string: "https://127.0.0.1:1")!),
                                      retryPolicy: RetryPolicy(maxAttempts: 2, backoff: Backoff(base: 0.01, cap: 0.01)))
        defer { client.shutdown() }
        do {
            _ = try await client.list(Secret.self, in: .namespace("default"))
            Issue.record("expected a connect failure")
        } catch let error as KubernetesError {
            guard case .transport(.connect) = error else { Issue.record("expected connect error, got \(error)"); return }
        }
    }

    /// Projected service-account tokens rotate: the file is re-read once its cached copy is a minute old.
    @Test func rotatedTokenFileIsPickedUp() async throws {
        let clock = ManualClock()
        let dir = try TemporaryDirectory()
        let tokenPath = try dir.write("token", "old-token")
        let cluster = try await TestCluster.start(configure: { $0.tokens = ["old-token": "alice", "new-token": "bob"] })
        var configuration = TestCluster.clientConfiguration(for: cluster.server)
        configuration.credentials = .tokenFile(path: tokenPath, refreshInterval: 60)
        let client = KubernetesClient(configuration: configuration, clock: clock)
        defer { client.shutdown() }
        _ = try await client.list(Secret.self, in: .namespace("default"))
        _ = try dir.write("token", "new-token")
        _ = try await client.list(Secret.self, in: .namespace("default"))  // cached copy still used
        clock.advance(by: 61)
        _ = try await client.list(Secret.self, in: .namespace("default"))
        let users = await cluster.server.requestLog().compactMap(\.user)
        #expect(users == ["alice", "alice", "bob"])
        await cluster.stop()
    }
}
