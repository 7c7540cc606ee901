import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The operator's one HTTP endpoint (`--metrics-address`): `/metrics`, `/healthz`, `/readyz` and the routes the
/// controllers registered (``OperatorHTTPRoute``, e.g. the certificate controller's CRLs).
///
/// A swift-service-lifecycle `Service`: add it to the process's `ServiceGroup`; graceful shutdown stops it.
/// Plain HTTP on purpose: it serves public data (metrics, CRLs) and is meant for the pod network or a sidecar.
public struct OperatorHTTPServer: Service {
    public let address: MetricsAddress
    private let metrics: KeywardMetrics
    private let health: HealthState
    private let routes: [OperatorHTTPRoute]
    private let logger: Logger
    private let listening: ListeningPort

    /// - Parameter idleTimeout: how long a connection may stay without a request (``ListeningPort/idleTimeout``).
    public init(address: MetricsAddress, metrics: KeywardMetrics, health: HealthState,
                routes: [OperatorHTTPRoute] = [], logger: Logger = Logger(label: "keyward.http"),
                idleTimeout: Duration = .seconds(30)) {
        self.listening = ListeningPort(idleTimeout: idleTimeout)
        self.address = address
        self.metrics = metrics
        self.health = health
        self.routes = routes
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await listening.serve(makeRouter(), host: address.host, port: address.port, logger: logger,
                                      serving: "metrics, health and controller routes")
        } catch let failure as ListeningPort.CannotListen {
            throw OperatorHTTPServerError.cannotListen(address: address, reason: failure.reason)
        }
    }

    /// The port actually bound (the kernel's choice for port 0), once the server listens; `nil` if `run()` ended
    /// before it could listen.
    public func boundPort() async -> Int? { await listening.value() }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { [metrics] _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        router.get("/healthz") { [health] _, _ -> Response in
            Self.probeResponse(health.liveness())
        }
        router.get("/readyz") { [health] _, _ -> Response in
            Self.probeResponse(health.readiness())
        }
        for route in routes {
            let names = route.parameterNames
            router.get(RouterPath(route.path)) { [handler = route.handler] _, context -> Response in
                var parameters: [String: String] = [:]
                for name in names { parameters[name] = context.parameters.get(name) }
                let answer = await handler(parameters)
                var headers = HTTPFields()
                headers[.contentType] = answer.contentType
                return Response(status: HTTPResponse.Status(code: answer.status), headers: headers,
                                body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
            }
        }
        return router
    }

    private static func probeResponse(_ report: HealthState.Report) -> Response {
        if report.isHealthy { return text(.ok, "ok\n") }
        return text(.serviceUnavailable, report.failures.joined(separator: "\n") + "\n")
    }

    private static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
