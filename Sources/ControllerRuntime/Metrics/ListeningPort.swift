import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A one-shot value: the bound port, or `nil` when the server stopped without listening. Public for listeners of
/// other modules (the ACME HTTP-01 challenge server).
public final class ListeningPort: Sendable {
    /// How long a connection may stay without a request before the server closes it (a scrape, a probe or a
    /// challenge fetch takes milliseconds; keep-alive between Prometheus scrapes is re-established cheaply).
    public let idleTimeout: Duration

    public init(idleTimeout: Duration = .seconds(30)) { self.idleTimeout = idleTimeout }

    private struct State {
        var resolved = false
        var port: Int?
        var waiters: [CheckedContinuation<Int?, Never>] = []
    }
    private let state = Mutex(State())

    public func resolve(_ port: Int?) {
        let waiters: [CheckedContinuation<Int?, Never>] = state.withLock { state in
            guard !state.resolved else { return [] }
            state.resolved = true
            state.port = port
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    /// Whether the server listened (or stopped) already.
    public var isResolved: Bool { state.withLock { $0.resolved } }

    public func value() async -> Int? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int?, Never>) in
            let ready: Int?? = state.withLock { state in
                if state.resolved { return .some(state.port) }
                state.waiters.append(continuation)
                return .none
            }
            if case .some(let port) = ready { continuation.resume(returning: port) }
        }
    }
}

extension ListeningPort {
    /// A server that stopped before it listened (port taken, address not local): the errno in words.
    public struct CannotListen: Error, Sendable {
        public var reason: String
    }

    /// Serves `router` on `host:port` until cancelled, resolving this port once listening (`nil` if it ends first)
    /// and logging `what` with the bound address. Failing before it listened throws ``CannotListen``, so each
    /// server reports its startup failure once, in its own terms; later errors pass through.
    public func serve(_ router: Router<BasicRequestContext>, host: String, port: Int, logger: Logger,
                      serving what: String) async throws {
        // Hummingbird's own lines (a cancelled shutdown logs two errors) only when debugging: a failure to listen is
        // reported by the caller, once, and a stop after another service failed must not add error lines of its own.
        var frameworkLogger = logger
        if logger.logLevel > .debug { frameworkLogger.logLevel = .critical }
        let application = Application(
            router: router,
            // Anyone on the pod network can connect: a connection that sends nothing, or stops halfway through its
            // headers, is closed after the idle timeout instead of holding a descriptor for ever.
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(Int64(idleTimeout / .nanoseconds(1))))),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { [self, logger] channel in
                let bound = channel.localAddress?.port ?? port
                logger.info("serving \(what)", metadata: ["address": "\(host):\(bound)"])
                resolve(bound)
            },
            logger: frameworkLogger)
        defer { resolve(nil) }
        do {
            try await application.run()
        } catch {
            guard isResolved else {
                // NIO's IOError text is "bind(descriptor:ptr:bytes:): Address already in use) (errno: 98)"; say it plainly.
                let reason = (error as? IOError).map { "\(String(cString: strerror($0.errnoCode))) (errno \($0.errnoCode))" } ?? "\(error)"
                throw CannotListen(reason: reason)
            }
            throw error
        }
    }
}
