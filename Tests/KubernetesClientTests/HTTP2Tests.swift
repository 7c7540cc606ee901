import Foundation
import KeywardCore
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Synchronization
import Testing

/// The client speaks HTTP/2 to a server that offers it (as kube-apiserver does) and multiplexes concurrent requests
/// over one connection; against an HTTP/1.1-only server it falls back.
@Suite struct HTTP2Tests {
    @Test func concurrentRequestsShareOneHTTP2Connection() async throws {
        try await withCluster(configure: { $0.http2 = true }) { cluster in
            _ = try await cluster.client.create(ConfigMap(metadata: ObjectMeta(name: "shared", namespace: "default")))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<32 {
                    group.addTask { _ = try await cluster.client.get(ConfigMap.self, name: "shared", namespace: "default") }
                }
                try await group.waitForAll()
            }
            // A watch is one more stream on the same connection.
            let watch = try await cluster.client.watch(ConfigMap.self, in: .namespace("default"),
                                                       options: WatchOptions(resourceVersion: "0", timeoutSeconds: 30))
            _ = try await cluster.client.create(ConfigMap(metadata: ObjectMeta(name: "second", namespace: "default")))
            var sawSecond = false
            for try await event in watch {
                if case .added(let object) = event, object.metadata.name == "second" { sawSecond = true; break }
            }
            #expect(sawSecond)
            let requests = await cluster.server.requestLog()
            #expect(requests.count >= 35)
            #expect(requests.allSatisfy { $0.httpVersion == 2 }, "\(requests.map(\.httpVersion))")
            #expect(Set(requests.map(\.connection)).count == 1, "\(Set(requests.map(\.connection)).count) connections")
        }
    }

    @Test func anHTTP1OnlyServerIsServedOverHTTP1() async throws {
        try await withCluster(configure: { $0.http2 = false }) { cluster in
            let created = try await cluster.client.create(ConfigMap(metadata: ObjectMeta(name: "plain", namespace: "default")))
            #expect(try await cluster.client.get(ConfigMap.self, name: "plain", namespace: "default").metadata.uid == created.metadata.uid)
            let requests = await cluster.server.requestLog()
            #expect(requests.count == 2)
            #expect(requests.allSatisfy { $0.httpVersion == 1 }, "\(requests.map(\.httpVersion))")
        }
    }

    @Test(arguments: [true, false])
    func clientCertificatesAuthenticateOverEitherVersion(http2: Bool) async throws {
        try await withCluster(configure: { $0.clientCA = .serverCA; $0.http2 = http2 }) { cluster in
            let certificate = try cluster.server.issueClientCertificate(user: "dana", groups: ["ops"])
            let configuration = ClientConfiguration(
                server: cluster.server.url,
                tls: TLSSettings(caPEM: Data(cluster.server.caCertificatePEM.utf8),
                                 clientCertificatePEM: Data(certificate.certificatePEM.utf8),
                                 clientKeyPEM: Data(certificate.privateKeyPEM.utf8)),
                credentials: .none, namespace: "default")
            let client = KubernetesClient(configuration: configuration)
            defer { client.shutdown() }
            _ = try await client.list(ConfigMap.self, in: .namespace("default"))
            let last = try #require(await cluster.server.requestLog().last)
            #expect(last.user == "dana")
            #expect(last.httpVersion == (http2 ? 2 : 1))
        }
    }

    /// A watch whose reader falls behind is paused (StreamCredit). Over HTTP/2 it shares its connection with every
    /// other request of the client: the pause must hold back only its own stream, and reading on must resume it.
    @Test func aPausedWatchHoldsUpNothingElseOnItsConnection() async throws {
        try await withCluster(configure: { $0.http2 = true }) { cluster in
            let version = try await cluster.client.list(ConfigMap.self, in: .namespace("default")).metadata.resourceVersion
            let stream = try await cluster.client.watch(ConfigMap.self, in: .namespace("default"),
                                                        options: WatchOptions(resourceVersion: version))
            // 8 MiB of events while nobody reads the watch: past its 4 MiB bound, so it pauses. Every create goes over
            // the same connection and must still be answered.
            let value = String(repeating: "v", count: 200 * 1024)
            let names = (0..<40).map { "big-\($0)" }
            let client = cluster.client
            let done = Mutex(false)
            let creates = Task {
                for name in names {
                    _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: name, namespace: "default"), data: ["v": value]))
                }
                done.withLock { $0 = true }
            }
            let created = await within(120) { done.withLock { $0 } }
            if !created { creates.cancel() }
            try await creates.value
            #expect(created, "requests on the paused watch's connection were held up")
            #expect(try await cluster.client.get(ConfigMap.self, name: "big-39", namespace: "default").data?["v"]?.count == value.count)

            var seen: [String] = []
            for try await event in stream {
                if case .added(let object) = event { seen.append(object.metadata.name) }
                if seen.count == names.count { break }
            }
            #expect(seen == names)
            let requests = await cluster.server.requestLog()
            #expect(requests.allSatisfy { $0.httpVersion == 2 }, "\(Set(requests.map(\.httpVersion)))")
        }
    }

    /// A graceful shutdown waits for every connection to end, and libcurl never ends an idle pooled HTTP/2
    /// connection (it does not read idle ones): the server closes them itself once no request is in flight.
    @Test func aServerWithAnIdleHTTP2ClientStillShutsDown() async throws {
        let cluster = try await TestCluster.start(configure: { $0.http2 = true })
        _ = try await cluster.client.list(ConfigMap.self, in: .namespace("default"))
        #expect(await cluster.server.requestLog().last?.httpVersion == 2)
        // A shutdown cannot be cancelled, so it runs apart and the test waits for it a bounded time.
        let stopped = Mutex(false)
        Task { await cluster.server.shutdown(); stopped.withLock { $0 = true } }
        #expect(await within(60, every: .milliseconds(50)) { stopped.withLock { $0 } },
                "the server did not stop while a client held an idle HTTP/2 connection")
        cluster.client.shutdown()
    }

    /// swift-nio-http2's default limits (200 resets or stream errors per 30 s) would close a libcurl 7.88
    /// connection every 200 requests and libcurl would replay creates in flight; the test server lifts them, as
    /// kube-apiserver has none.
    @Test func fiveHundredCreatesStayOnOneConnectionAndNoneIsReplayed() async throws {
        try await withCluster(configure: { $0.http2 = true }) { cluster in
            let client = cluster.client
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<500 {
                    if i >= 16 { try await group.next() }
                    group.addTask {
                        _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "c\(i)", namespace: "default")))
                    }
                }
                try await group.waitForAll()
            }
            let requests = await cluster.server.requestLog()
            #expect(requests.count == 500)
            #expect(requests.allSatisfy { $0.code == 201 && $0.httpVersion == 2 })
            #expect(Set(requests.map(\.connection)).count == 1)
        }
    }
}
