#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A TCP listener on 127.0.0.1 that counts the connections it accepts and answers each with `HTTP/1.1 200` and an
/// empty body: the stand-in for an address a test shows nothing may reach ("zero connections"). Accepts on its own
/// thread, never on Swift's cooperative pool; stops when `stop()` is called.
public final class CountingListener: Sendable {
    public let port: Int
    private let descriptor: Int32
    private let accepted = Mutex(0)
    private let stopped = Mutex(false)

    /// Connections accepted so far.
    public var connectionCount: Int { accepted.withLock { $0 } }

    public init() throws {
        (descriptor, port) = try SilentListener.bindLoopback()
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// `http://127.0.0.1:PORT/`.
    public var url: String { "http://127.0.0.1:\(port)/" }

    public func stop() {
        stopped.withLock { $0 = true }
        shutdown(descriptor, Int32(SHUT_RDWR))
        close(descriptor)
    }

    private func acceptLoop() {
        while !stopped.withLock({ $0 }) {
            let connection = accept(descriptor, nil, nil)
            if connection >= 0 { _ = fcntl(connection, F_SETFD, FD_CLOEXEC) }  // not inherited by processes tests start
            if connection < 0 { if stopped.withLock({ $0 }) { return } else { continue } }
            accepted.withLock { $0 += 1 }
            let answer = Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
            _ = answer.withUnsafeBufferPointer { write(connection, $0.baseAddress, $0.count) }
            close(connection)
        }
    }
}
