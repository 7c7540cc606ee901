#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A webhook receiver on 127.0.0.1: reads each HTTP/1.1 request (head and a Content-Length body, bounded), keeps
/// it, and answers with the status ``respond(with:)`` last set (200 at first), closing the connection. Accepts on its
/// own thread, never on Swift's cooperative pool; stops when `stop()` is called.
public final class WebhookReceiver: Sendable {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// Header names lower-cased.
        public var headers: [String: String]
        public var body: Data
        /// The status it was answered with.
        public var answeredWith: Int
    }

    /// A request larger than this is answered 413 and not kept.
    public static let maximumRequestBytes = 1 << 20

    public let port: Int
    private let descriptor: Int32
    private let requests = Mutex<[Request]>([])
    private let status = Mutex(200)
    private let stopped = Mutex(false)

    public init() throws {
        (descriptor, port) = try SilentListener.bindLoopback()
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// `http://127.0.0.1:PORT/hook`.
    public var url: String { "http://127.0.0.1:\(port)/hook" }

    /// Every request received so far, answered ones included whatever their status.
    public var received: [Request] { requests.withLock { $0 } }

    /// The status later requests are answered with (e.g. 503 to make a receiver fail, then 200 when it recovers).
    public func respond(with code: Int) { status.withLock { $0 = code } }

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
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let code: Int
            if var request = read(connection) {
                code = status.withLock { $0 }
                request.answeredWith = code
                requests.withLock { $0.append(request) }
            } else {
                code = 400
            }
            let answer = Array("HTTP/1.1 \(code) Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
            _ = answer.withUnsafeBufferPointer { write(connection, $0.baseAddress, $0.count) }
            close(connection)
        }
    }

    private func read(_ connection: Int32) -> Request? {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        var needed = Int.max
        while buffer.count < needed, buffer.count <= Self.maximumRequestBytes {
            let n = chunk.withUnsafeMutableBufferPointer { recv(connection, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            buffer.append(contentsOf: chunk[0..<n])
            if headEnd == nil, let range = Self.find(separator, in: buffer) {
                headEnd = range
                let head = String(decoding: buffer[0..<range], as: UTF8.self)
                let length = head.split(separator: "\r\n").compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].trimmingCharacters(in: .whitespaces))
                }.first ?? 0
                needed = range + separator.count + max(0, length)
            }
        }
        guard let headEnd, buffer.count >= needed, needed != Int.max else { return nil }
        let lines = String(decoding: buffer[0..<headEnd], as: UTF8.self).split(separator: "\r\n")
        let requestLine = lines.first?.split(separator: " ") ?? []
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers,
                       body: Data(buffer[(headEnd + separator.count)..<needed]), answeredWith: 0)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where Array(haystack[index..<index + needle.count]) == needle {
            return index
        }
        return nil
    }
}
