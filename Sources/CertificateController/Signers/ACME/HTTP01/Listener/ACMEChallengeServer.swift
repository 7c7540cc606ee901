import ControllerRuntime
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The ACME HTTP-01 challenge listener (`--acme-http01-address`, default `:8089`; standalone `http01.listen`):
/// answers `GET /.well-known/acme-challenge/<token>` with the key authorization from an ``ACMEChallengeLookup``
/// and 404 for everything else (an unknown or malformed token, any other path or method).
///
/// Plain HTTP, as RFC 8555 §8.3 requires; what it serves is public by design (the CA fetches it from anyone's
/// view of the name). Every controller replica runs one, leader or not: the route may reach any of them.
public struct ACMEChallengeServer: Service {
    public static let pathPrefix = "/.well-known/acme-challenge/"
    public static let defaultAddress = ":8089"

    public let host: String
    public let port: Int
    /// The flag or field the address came from, for error messages.
    public let option: String
    private let lookup: any ACMEChallengeLookup
    private let logger: Logger
    private let listening = ListeningPort()

    /// - Parameters:
    ///   - address: `host:port`, `:port` (all interfaces) or `[v6]:port`; port 0 picks a free one.
    ///   - option: how the user set it (`--acme-http01-address`, `http01.listen`), named in errors.
    public init(address: String, option: String = "--acme-http01-address", lookup: any ACMEChallengeLookup,
                logger: Logger = Logger(label: "keyward.acme-http01")) throws(ACMEChallengeServerError) {
        self.init(address: try Self.parse(address, option: option), option: option, lookup: lookup, logger: logger)
    }

    public init(address: MetricsAddress, option: String = "--acme-http01-address", lookup: any ACMEChallengeLookup,
                logger: Logger = Logger(label: "keyward.acme-http01")) {
        host = address.host
        port = address.port
        self.option = option
        self.lookup = lookup
        self.logger = logger
    }

    /// Parses a listen address the way `--metrics-address` is parsed; "0" (no listener) is refused here.
    public static func parse(_ text: String, option: String) throws(ACMEChallengeServerError) -> MetricsAddress {
        let parsed: MetricsAddress?
        do {
            parsed = try MetricsAddress(parsing: text)
        } catch {
            guard case .invalid(_, let reason) = error else { throw .invalidAddress(text, option: option, reason: "\(error)") }
            throw .invalidAddress(text, option: option, reason: reason)
        }
        guard let parsed else { throw .invalidAddress(text, option: option, reason: "a port is required") }
        return parsed
    }

    public func run() async throws {
        do {
            try await listening.serve(makeRouter(), host: host, port: port, logger: logger, serving: "ACME HTTP-01 challenges")
        } catch let failure as ListeningPort.CannotListen {
            throw ACMEChallengeServerError.cannotListen(address: "\(host):\(port)", option: option, reason: failure.reason)
        }
    }

    /// The port actually bound, once listening; nil if `run()` ended before it could listen.
    public func boundPort() async -> Int? { await listening.value() }

    /// A server running on its own (standalone mode, tests), outside the process's service group.
    public struct Handle: Sendable {
        /// The port bound (the kernel's choice for port 0).
        public let port: Int
        fileprivate let group: ServiceGroup
        fileprivate let task: Task<Void, Never>

        /// Stops accepting and lets requests in flight finish.
        public func stop() async {
            await group.triggerGracefulShutdown()
            await task.value
        }
    }

    /// Starts serving in a task of its own and returns once listening; a failure to listen throws
    /// ``ACMEChallengeServerError/cannotListen(address:option:reason:)``.
    public func start() async throws(ACMEChallengeServerError) -> Handle {
        let group = ServiceGroup(configuration: .init(services: [self], gracefulShutdownSignals: [], logger: logger))
        let failure = Mutex<ACMEChallengeServerError?>(nil)
        let task = Task { [host, port, option] in
            do { try await group.run() } catch {
                failure.withLock { $0 = error as? ACMEChallengeServerError ?? .cannotListen(address: "\(host):\(port)", option: option, reason: "\(error)") }
            }
        }
        guard let bound = await boundPort() else {
            await task.value
            throw failure.withLock { $0 } ?? .cannotListen(address: "\(host):\(port)", option: option, reason: "the server stopped")
        }
        return Handle(port: bound, group: group, task: task)
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/.well-known/acme-challenge/{token}") { [lookup] _, context -> Response in
            guard let token = context.parameters.get("token"), ACMEChallengeToken.isValid(token),
                  let keyAuthorization = await lookup.keyAuthorization(forToken: token)
            else { return Self.notFound() }
            var headers = HTTPFields()
            headers[.contentType] = "text/plain"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: keyAuthorization)))
        }
        return router
    }

    private static func notFound() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .notFound, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: "not found\n")))
    }
}
