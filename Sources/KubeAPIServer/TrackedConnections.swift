import NIOCore
import Synchronization

/// The server's open TCP connections, so a shutdown can close the ones a graceful close would wait on forever.
///
/// A graceful shutdown waits for every connection to end, and an idle HTTP/2 connection in a client's pool (libcurl
/// does not read idle ones) would never end by itself; kube-apiserver (Go's net/http) closes idle connections too.
final class TrackedConnections: Sendable {
    private let open = Mutex<[ObjectIdentifier: any Channel]>([:])
    /// Requests being answered (a watch counts until its stream starts).
    private let inFlight = Atomic<Int>(0)

    /// Runs `body` as one request in flight.
    func answering<T>(_ body: () async throws -> T) async rethrows -> T {
        inFlight.add(1, ordering: .relaxed)
        defer { inFlight.subtract(1, ordering: .relaxed) }
        return try await body()
    }

    var requestsInFlight: Int { inFlight.load(ordering: .relaxed) }

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
