import HummingbirdCore
import Logging
import NIOCore
import Synchronization

/// The server's open TCP connections, so a shutdown can close the ones a graceful close would wait on forever.
///
/// An HTTP/2 graceful close sends GOAWAY and a PING, and closes only once the client acknowledges the PING. A
/// client that keeps an idle pooled connection without reading it (libcurl's connection cache) never does, so
/// the listener would never stop; kube-apiserver (Go's net/http) closes such idle connections itself.
final class TrackedConnections: Sendable {
    private let open = Mutex<[ObjectIdentifier: any Channel]>([:])
    /// Requests being answered (a watch counts until its stream starts).
    private let answering = Atomic<Int>(0)

    /// Runs `body` as one request in flight.
    func answering<T>(_ body: () async throws -> T) async rethrows -> T {
        answering.add(1, ordering: .relaxed)
        defer { answering.subtract(1, ordering: .relaxed) }
        return try await body()
    }

    var requestsInFlight: Int { answering.load(ordering: .relaxed) }

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        open.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in _ = open.withLock { $0.removeValue(forKey: id) } }
    }

    /// Closes every connection still open.
    func closeAll() {
        for channel in open.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }
}

/// A child channel that records each accepted connection in ``TrackedConnections`` and otherwise is `inner`.
struct TrackedChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    let inner: Inner
    let connections: TrackedConnections

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Inner.Value> {
        connections.add(channel)
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Inner.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
