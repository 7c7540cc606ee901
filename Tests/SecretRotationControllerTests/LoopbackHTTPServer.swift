import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for verification tests: one request per connection, answered by `decide`
/// (a status with an empty body) or `answer` (any head and body). Runs on its own thread (blocking accept/read),
/// never on Swift's cooperative pool. Counts every connection it accepts, so a test can show none was made.
final class LoopbackHTTPServer: Sendable {
    struct Answer: Sendable {
        var status: Int
        var headers: [(name: String, value: String)] = []
        var body: [UInt8] = []
    }

    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: String
    }

    let port: Int
    private let listener: Int32
    private let answer: @Sendable (Request) -> Answer
    private let requests = Mutex<[Request]>([])
    private let stopped = Mutex(false)
    private let accepted = Mutex(0)
    private let written = Mutex(0)

    /// Connections accepted so far.
    var connectionCount: Int { accepted.withLock { $0 } }
    /// Response bytes the clients took (a write to a client that hung up fails and is not counted).
    var bytesWritten: Int { written.withLock { $0 } }

    /// Requests received so far (they hold candidate values: tests compare them, never print them).
    var received: [Request] { requests.withLock { $0 } }

    convenience init(decide: @escaping @Sendable (Request) -> Int) throws {
        try self.init(answer: { Answer(status: decide($0)) })
    }

    init(answer: @escaping @Sendable (Request) -> Answer) throws {
        self.answer = answer
        signal(SIGPIPE, SIG_IGN)  // a client hanging up mid-body must fail the write, not end the test process
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: actual.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    var url: String { "http://127.0.0.1:\(port)/verify" }

    func stop() {
        stopped.withLock { $0 = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while !stopped.withLock({ $0 }) {
            let connection = accept(listener, nil, nil)
            if connection >= 0 { _ = fcntl(connection, F_SETFD, FD_CLOEXEC) }  // not inherited by processes tests start
            if connection < 0 { if stopped.withLock({ $0 }) { return } else { continue } }
            accepted.withLock { $0 += 1 }
            serve(connection)
            close(connection)
        }
    }

    private func serve(_ fd: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        var headerEnd: Int?
        var contentLength = 0
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { break }
            buffer.append(contentsOf: chunk[0..<n])
            if headerEnd == nil, let range = findHeaderEnd(buffer) {
                headerEnd = range
                let head = String(decoding: buffer[0..<range], as: UTF8.self)
                for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                    contentLength = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if let end = headerEnd, buffer.count >= end + 4 + contentLength { break }
        }
        guard let end = headerEnd else { return }
        let lines = String(decoding: buffer[0..<end], as: UTF8.self).split(separator: "\r\n").map(String.init)
        let requestLine = lines.first?.split(separator: " ").map(String.init) ?? []
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let bodyBytes = buffer.count > end + 4 ? Array(buffer[(end + 4)...]) : []
        let request = Request(method: requestLine.first ?? "", path: requestLine.count > 1 ? requestLine[1] : "",
                              headers: headers, body: String(decoding: bodyBytes, as: UTF8.self))
        requests.withLock { $0.append(request) }
        let reply = answer(request)
        var head = "HTTP/1.1 \(reply.status) Status\r\nContent-Length: \(reply.body.count)\r\nConnection: close\r\n"
        for header in reply.headers { head += "\(header.name): \(header.value)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + reply.body
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBufferPointer { write(fd, $0.baseAddress, min($0.count, 65536)) }
            if n <= 0 { break }
            offset += n
            written.withLock { $0 += n }
        }
    }

    private func findHeaderEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }
}
