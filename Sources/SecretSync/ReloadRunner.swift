#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import KeywardCore
import KubernetesClient

/// Performs ``ReloadAction``s. Owns the HTTP transport so repeated reloads reuse one connection pool.
public final class ReloadRunner: Sendable {
    /// How long a command or HTTP call may take before the reload counts as failed.
    public let timeout: Duration
    private let transport: CurlTransport

    public init(timeout: Duration = .seconds(60), tls: TLSSettings = TLSSettings()) {
        self.timeout = timeout
        self.transport = CurlTransport(tls: tls, http2: false)
    }

    deinit { transport.shutdown() }

    /// The pid file's text: a regular file of at most 64 bytes. It sits where the consumer writes, so a FIFO there
    /// would block the sidecar for ever and a huge file fill its memory.
    static func readPID(_ path: String) throws(ReloadError) -> String {
        do {
            return String(decoding: try RegularFile.read(path, limit: 64), as: UTF8.self)
        } catch {
            if case .tooLarge = error { throw .pidFileUnreadable(path: path, reason: "longer than a process id") }
            throw .pidFileUnreadable(path: path, reason: error.description)
        }
    }

    public func run(_ action: ReloadAction) async throws(ReloadError) {
        switch action {
        case .signal(let signal, let pidFile): try Self.sendSignal(signal, pidFile: pidFile)
        case .exec(let command): try await execute(command)
        case .http(let url): try await post(url)
        }
    }

    static func sendSignal(_ signal: Int32, pidFile: String) throws(ReloadError) {
        let text = try readPID(pidFile)
        guard let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 else {
            throw .pidFileUnreadable(path: pidFile, reason: "does not hold a process id")
        }
        if kill(pid, signal) != 0 {
            throw .signalFailed(pid: pid, signal: signal, reason: String(cString: strerror(errno)))
        }
    }

    private func execute(_ command: String) async throws(ReloadError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardInput = FileHandle.nullDevice
        let (exits, exited) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { exited.yield($0.terminationStatus); exited.finish() }
        do {
            try ProcessLaunch.run(process)
        } catch {
            throw .commandNotStarted(command: command, reason: (error as NSError).localizedDescription)
        }
        let timeout = self.timeout
        let status: Int32? = await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                for await status in exits { return status }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let status else {
            await ProcessLaunch.stop(process)
            throw .commandTimedOut(command: command)
        }
        guard status == 0 else { throw .commandFailed(command: command, exitStatus: status) }
    }

    private func post(_ url: URL) async throws(ReloadError) {
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(method: .post, url: url, body: Data(), timeout: timeout))
        } catch {
            throw .httpFailed(url: url.absoluteString, reason: "\(error)")
        }
        guard (200..<300).contains(response.status) else {
            throw .httpStatus(url: url.absoluteString, status: response.status)
        }
    }
}
