#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A test-only HTTP/1.1 responder on 127.0.0.1:`port` that answers `GET /.well-known/acme-challenge/<token>` with
/// the key authorization it was given, 404 otherwise: what Pebble's HTTP-01 validation connects to (its
/// ``PebbleServer/httpPort``), for tests and benchmarks of the bare ACME protocol. Accepts on its own thread, one
/// short request per connection. Keyward's own HTTP-01 listener is the controller's; this is not it.
public final class HTTP01TestResponder: Sendable {
    public let port: Int
    private let descriptor: Int32
    private let tokens = Mutex<[String: String]>([:])
    private let stopped = Mutex(false)
    private let served = Mutex(0)

    public struct Failure: Error, CustomStringConvertible { public var description: String }

    public init(port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw Failure(description: "cannot listen on 127.0.0.1:\(port): errno \(errno)")
        }
        self.port = port
        self.descriptor = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    public func set(token: String, keyAuthorization: String) { tokens.withLock { $0[token] = keyAuthorization } }
    public func remove(token: String) { _ = tokens.withLock { $0.removeValue(forKey: token) } }

    /// Challenge requests answered with a key authorization so far.
    public var servedCount: Int { served.withLock { $0 } }

    public func stop() {
        let first = stopped.withLock { s in defer { s = true }; return !s }
        guard first else { return }
        shutdown(descriptor, Int32(SHUT_RDWR))
        close(descriptor)
    }

    deinit { stop() }

    private func acceptLoop() {
        while !stopped.withLock({ $0 }) {
            let connection = accept(descriptor, nil, nil)
            if connection >= 0 { _ = fcntl(connection, F_SETFD, FD_CLOEXEC) }  // not inherited by processes tests start
            if connection < 0 { if stopped.withLock({ $0 }) { return } else { continue } }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            answer(connection)
            close(connection)
        }
    }

    private func answer(_ connection: Int32) {
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while request.count < 16_384 {
            let count = buffer.withUnsafeMutableBytes { read(connection, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            request += buffer[0..<count]
            if request.count >= 4, Array(request.suffix(4)) == Array("\r\n\r\n".utf8) { break }
        }
        let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self).split(separator: " ")
        let prefix = "/.well-known/acme-challenge/"
        var status = "404 Not Found", body = ""
        if line.count >= 2, line[0] == "GET", line[1].hasPrefix(prefix),
           let keyAuthorization = tokens.withLock({ $0[String(line[1].dropFirst(prefix.count))] }) {
            status = "200 OK"
            body = keyAuthorization
            served.withLock { $0 += 1 }
        }
        let response = Array("HTTP/1.1 \(status)\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
        _ = response.withUnsafeBufferPointer { write(connection, $0.baseAddress, $0.count) }
    }
}
