#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KeywardCore
import KeywardTestSupport
import KubernetesClient
import Synchronization
import Testing

/// A streamed body (a watch) must not run ahead of its reader without bound: a server, or tenants churning large
/// objects, would otherwise fill the controller's memory while the informer is busy.
@Suite struct TransportBackpressureTests {
    /// One HTTP/1.1 response of `total` bytes, written as fast as the socket takes them; counts what `send` took.
    final class FloodServer: Sendable {
        let port: Int
        let total: Int
        private let written = Atomic<Int>(0)
        /// Sends in a row that timed out: the socket took nothing for that many times 50 ms.
        private let stalls = Atomic<Int>(0)
        private let listener: Int32

        var bytesWritten: Int { written.load(ordering: .relaxed) }
        /// The socket has taken nothing for half a second: nobody reads the other end.
        var hasStalled: Bool { stalls.load(ordering: .relaxed) >= 10 }

        init(total: Int) throws {
            self.total = total
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard fd >= 0, bound == 0, named == 0, listen(fd, 1) == 0 else { throw ExternalTool.Failure(description: "listen") }
            listener = fd
            port = Int(UInt16(bigEndian: address.sin_port))
            Thread.detachNewThread { [self] in serve() }
        }

        private func serve() {
            let connection = accept(listener, nil, nil)
            if connection >= 0 { _ = fcntl(connection, F_SETFD, FD_CLOEXEC) }  // not inherited by processes tests start
            guard connection >= 0 else { return }
            defer { close(connection) }
            var request = [UInt8](repeating: 0, count: 4096)
            _ = recv(connection, &request, request.count, 0)
            let head = Array("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: \(total)\r\n\r\n".utf8)
            guard send(connection, head, head.count, Int32(MSG_NOSIGNAL)) == head.count else { return }
            // Sends give up after 50 ms when the socket buffers are full: that is recorded, and the send retried.
            var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
            setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let chunk = [UInt8](repeating: 0x61, count: 64 * 1024)
            var left = total
            while left > 0 {
                let sent = send(connection, chunk, min(chunk.count, left), Int32(MSG_NOSIGNAL))
                if sent < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                    stalls.add(1, ordering: .relaxed)
                    continue
                }
                stalls.store(0, ordering: .relaxed)
                if sent <= 0 { return }
                left -= sent
                written.add(sent, ordering: .relaxed)
            }
        }

        deinit { close(listener) }
    }

    @Test func aStreamedBodyPausesWhileItsReaderIsBehind() async throws {
        let total = 64 << 20
        let server = try FloodServer(total: total)
        let transport = CurlTransport(tls: TLSSettings())
        defer { transport.shutdown() }
        var request = HTTPRequest(method: .get, url: URL(string: "http://127.0.0.1:\(server.port)/")!, timeout: .seconds(120))
        request.streamBufferLimit = 1 << 20
        let (head, body) = try await transport.stream(request)
        #expect(head.status == 200)
        var chunks = body.makeAsyncIterator()
        var received = try #require(try await chunks.next()).count

        // The reader stops. The server writes until the socket buffers are full and then blocks: with the
        // transfer paused that is the limit plus the kernel's buffers, far below the 64 MiB it has to send.
        #expect(await within(30) { server.hasStalled }, "the server never stalled: the client read everything")
        #expect(server.bytesWritten < 24 << 20, "\(server.bytesWritten) bytes sent while the reader read \(received)")

        // Reading on resumes the transfer, and every byte arrives once.
        while let chunk = try await chunks.next() { received += chunk.count }
        #expect(received == total)
    }
}
