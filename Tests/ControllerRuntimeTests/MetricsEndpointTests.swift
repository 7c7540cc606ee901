#if canImport(Glibc)
import Glibc
#endif
import ControllerRuntime
import Foundation
import KeywardCore
import KeywardTestSupport
import KubernetesClient
import KubernetesResources
import Logging
import Prometheus
import ServiceLifecycle
import Testing

/// The HTTP endpoint, started on 127.0.0.1 with a kernel-chosen port and fetched with the product's curl transport.
@Suite("Operator HTTP endpoint")
struct MetricsEndpointTests {
    private static var quietLogger: Logger {
        var logger = Logger(label: "keyward.test.http")
        logger.logLevel = .error
        return logger
    }

    /// Runs `body` with a started server and a transport to reach it; stops both afterwards.
    private func withServer<T: Sendable>(metrics: KeywardMetrics = KeywardMetrics(), health: HealthState = HealthState(),
                                         routes: [OperatorHTTPRoute] = [],
                                         _ body: @Sendable (_ get: @escaping @Sendable (String) async throws -> HTTPResponse,
                                                            _ port: Int) async throws -> T) async throws -> T {
        let server = OperatorHTTPServer(address: MetricsAddress(host: "127.0.0.1", port: 0), metrics: metrics,
                                        health: health, routes: routes, logger: Self.quietLogger)
        let transport = CurlTransport(tls: TLSSettings())
        defer { transport.shutdown() }
        // Stopped the way production stops it: graceful shutdown of its ServiceGroup.
        let services = ServiceGroup(configuration: .init(services: [server], logger: Self.quietLogger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            let port = try #require(await server.boundPort())
            #expect(port > 0)
            let get: @Sendable (String) async throws -> HTTPResponse = { path in
                try await transport.send(HTTPRequest(method: .get, url: URL(string: "http://127.0.0.1:\(port)\(path)")!))
            }
            let result: T
            do {
                result = try await body(get, port)
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
            await services.triggerGracefulShutdown()
            try await group.next()  // the server returns after a graceful shutdown rather than throwing
            return result
        }
    }

    /// Anyone on the pod network can open connections and send nothing: the server closes each after its idle
    /// timeout instead of holding a descriptor for ever.
    @Test func anIdleConnectionIsClosedByTheServer() async throws {
        let server = OperatorHTTPServer(address: MetricsAddress(host: "127.0.0.1", port: 0), metrics: KeywardMetrics(),
                                        health: HealthState(), logger: Self.quietLogger, idleTimeout: .milliseconds(200))
        let services = ServiceGroup(configuration: .init(services: [server], logger: Self.quietLogger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            let port = try #require(await server.boundPort())
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(connected == 0)
            _ = "GET /metr".withCString { send(fd, $0, 9, 0) }  // and nothing more
            // Bounded so a regression fails instead of hanging: the close arrives as end-of-file.
            var timeout = timeval(tv_sec: 20, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 512)
            var received = -1
            repeat { received = recv(fd, &buffer, buffer.count, 0) } while received > 0
            #expect(received == 0, "the idle connection was not closed (recv \(received), errno \(errno))")
            await services.triggerGracefulShutdown()
            try await group.next()
        }
    }

    @Test func metricsAreServedInPrometheusTextFormat() async throws {
        let metrics = KeywardMetrics()
        let notAfter = Date(timeIntervalSince1970: 1_807_776_000)
        // A controller's own series, registered on the shared registry, are served with the built-in ones.
        metrics.registry.makeGauge(descriptor: KeywardMetrics.descriptor("keyward_demo_expiration_timestamp_seconds", "A demo."),
                                   labels: [("name", "web"), ("namespace", "prod")]).set(notAfter.timeIntervalSince1970)
        metrics.setWorkqueueDepth(name: "certificate", depth: 4)
        try await withServer(metrics: metrics) { get, _ in
            let response = try await get("/metrics")
            #expect(response.status == 200)
            #expect(response.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let scraped = try MetricsExposition(parsing: String(decoding: response.body, as: UTF8.self))
            #expect(scraped.value("keyward_demo_expiration_timestamp_seconds",
                                  ["name": "web", "namespace": "prod"]) == notAfter.timeIntervalSince1970)
            #expect(scraped.value("keyward_workqueue_depth", ["name": "certificate"]) == 4)
            #expect(scraped.value("keyward_leader_election_is_leader") == 0)
        }
    }

    @Test func apiRequestMetricsAreFedByTheClientObserver() async throws {
        let metrics = KeywardMetrics()
        try await withServer(metrics: metrics) { get, port in
            // Any HTTP server answers a Kubernetes path with a status; this one answers 404.
            let client = KubernetesClient(
                configuration: ClientConfiguration(server: URL(string: "http://127.0.0.1:\(port)")!),
                retryPolicy: .none, observer: metrics.observeAPIRequest)
            defer { client.shutdown() }
            for _ in 0..<2 {
                await #expect(throws: KubernetesError.self) {
                    try await client.get(Lease.self, name: "keyward-controller", namespace: "keyward")
                }
            }
            await #expect(throws: KubernetesError.self) { try await client.list(Secret.self, in: .namespace("a")) }

            let scraped = try MetricsExposition(parsing: String(decoding: try await get("/metrics").body, as: UTF8.self))
            #expect(scraped.value("keyward_api_requests_total", ["verb": "get", "resource": "leases", "code": "404"]) == 2)
            #expect(scraped.value("keyward_api_requests_total", ["verb": "list", "resource": "secrets", "code": "404"]) == 1)
            #expect(scraped.type(of: "keyward_api_request_duration_seconds") == "histogram")
            #expect(scraped.value("keyward_api_request_duration_seconds_count", ["verb": "get", "resource": "leases"]) == 2)
        }
    }

    @Test func healthzFailsWhenALoopStopsBeating() async throws {
        let clock = ManualClock()
        let health = HealthState(clock: clock)
        try await withServer(health: health) { get, _ in
            var response = try await get("/healthz")
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "ok\n")

            health.heartbeat("controller/certificate", timeout: 30)
            clock.advance(by: 31)
            response = try await get("/healthz")
            #expect(response.status == 503)
            #expect(String(decoding: response.body, as: UTF8.self).contains("controller/certificate"))

            health.heartbeat("controller/certificate", timeout: 30)
            #expect(try await get("/healthz").status == 200)
        }
    }

    @Test func readyzWaitsForCachesAndTheElector() async throws {
        let health = HealthState(leaderElectionEnabled: true)
        try await withServer(health: health) { get, _ in
            var response = try await get("/readyz")
            #expect(response.status == 503)
            var reasons = String(decoding: response.body, as: UTF8.self)
            #expect(reasons.contains("caches"))
            #expect(reasons.contains("leader election"))

            health.setCachesSynced(true)
            response = try await get("/readyz")
            #expect(response.status == 503)
            reasons = String(decoding: response.body, as: UTF8.self)
            #expect(!reasons.contains("caches"))

            health.setLeaderElectionRunning(true)
            response = try await get("/readyz")
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "ok\n")
        }
        // Without leader election: synced caches and running controllers.
        let standalone = HealthState()
        try await withServer(health: standalone) { get, _ in
            let before = try await get("/readyz")
            standalone.setCachesSynced(true)
            let synced = try await get("/readyz")
            standalone.setControllersRunning(true)
            let after = try await get("/readyz")
            #expect(before.status == 503)
            #expect(synced.status == 503)
            #expect(String(decoding: synced.body, as: UTF8.self).contains("controllers are not running"))
            #expect(after.status == 200)
        }
    }

    @Test func controllerRoutesAreServedWithTheirParameters() async throws {
        let der: [UInt8] = [0x30, 0x82, 0x01, 0x00, 0xFF, 0x00, 0x0A]
        let files = OperatorHTTPRoute(path: "/files/{namespace}/{name}.bin") { parameters in
            guard parameters["namespace"] == "pki", parameters["name"] == "root-ca" else { return .text(404, "none\n") }
            return OperatorHTTPRoute.Response(status: 200, contentType: "application/octet-stream", body: der)
        }
        let echo = OperatorHTTPRoute(path: "/echo/{word}") { parameters in .text(200, "\(parameters["word"] ?? "-")\n") }
        #expect(files.parameterNames == ["namespace", "name"])
        try await withServer(routes: [files, echo]) { get, _ in
            let response = try await get("/files/pki/root-ca.bin")
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/octet-stream")
            #expect(Array(response.body) == der)
            #expect(try await get("/files/pki/other-ca.bin").status == 404)
            #expect(try await get("/files/pki/root-ca.pem").status == 404)
            #expect(try await get("/nothing-here").status == 404)
            let echoed = try await get("/echo/hello")
            #expect(echoed.status == 200)
            #expect(String(decoding: echoed.body, as: UTF8.self) == "hello\n")
            #expect(try await get("/metrics").status == 200, "a controller's routes sit next to the built-in ones")
        }
        try await withServer { get, _ in
            let response = try await get("/files/pki/root-ca.bin")
            #expect(response.status == 404, "no routes, no files")
        }
    }
}
