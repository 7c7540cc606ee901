import Foundation
import KeywardTestSupport
import KeywardCore
import Synchronization
import Testing

/// The real `curl` as an independent HTTPS client: the server's TLS, HTTP framing, chunked watch streams and
/// Status bodies are checked by a client that shares no code with it.
enum Curl {
    struct Missing: Error, CustomStringConvertible {
        var description: String { "curl is not installed; run scripts/install-tools.sh (apt-get install curl)" }
    }

    struct Failed: Error, CustomStringConvertible {
        var exitCode: Int32
        var stderr: String
        var description: String { "curl exited \(exitCode): \(stderr)" }
    }

    static func executable() throws -> String {
        guard let path = ExternalTool.find("curl") else { throw Missing() }
        return path
    }

    /// Runs curl to completion without blocking a thread.
    static func run(_ arguments: [String], in directory: URL) async throws -> (exitCode: Int32, stdout: Data, stderr: Data) {
        try await ExternalTool.run(try executable(), arguments, in: directory)
    }
}

/// Runs command-line tools (curl, kubectl, keyward-apiserver) for tests.
enum ExternalTool {
    /// The first executable called `name` on PATH.
    static func find(_ name: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs to completion without blocking a thread (termination is awaited through its handler); output goes to
    /// files so a chatty tool can never fill a pipe and stall.
    static func run(_ executable: String, _ arguments: [String], in directory: URL,
                    environment: [String: String]? = nil) async throws -> (exitCode: Int32, stdout: Data, stderr: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let id = UUID().uuidString
        let outURL = directory.appendingPathComponent("out-\(id)")
        let errURL = directory.appendingPathComponent("err-\(id)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.runSerialized() } catch { continuation.resume(throwing: error) }
        }
        try? out.close()
        try? err.close()
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        return (status, (try? Data(contentsOf: outURL)) ?? Data(), (try? Data(contentsOf: errURL)) ?? Data())
    }
}

/// One HTTP response as curl saw it.
struct HTTPResult: Sendable, CustomStringConvertible {
    var status: Int
    /// Lower-cased header names; repeated headers keep the last value.
    var headers: [String: String]
    var body: Data

    var json: JSONValue { (try? JSONValue.parse(body)) ?? .null }
    var text: String { String(decoding: body, as: UTF8.self) }
    var description: String { "HTTP \(status) \(text.prefix(600))" }

    /// Parses the header dump of the final response (curl writes one block per response, e.g. after 100-continue).
    static func headers(from dump: String) -> (Int, [String: String]) {
        var status = 0
        var headers: [String: String] = [:]
        for line in dump.components(separatedBy: "\r\n") {
            if line.hasPrefix("HTTP/") {
                status = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
                headers = [:]
            } else if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return (status, headers)
    }
}

/// A streaming request (a watch) running in a curl process whose output file is read as it grows.
final class StreamingRequest: Sendable {
    private let process: Mutex<Process?>
    private let output: URL
    private let headerDump: URL

    init(arguments: [String], directory: URL) throws {
        let id = UUID().uuidString
        output = directory.appendingPathComponent("stream-\(id)")
        headerDump = directory.appendingPathComponent("stream-headers-\(id)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Curl.executable())
        process.arguments = arguments + ["-N", "-o", output.path, "-D", headerDump.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.runSerialized()
        self.process = Mutex(process)
    }

    /// The complete lines received so far, each parsed as JSON.
    var lines: [JSONValue] {
        let data = (try? Data(contentsOf: output)) ?? Data()
        let text = String(decoding: data, as: UTF8.self)
        guard let lastNewline = text.lastIndex(of: "\n") else { return [] }
        return text[..<lastNewline].split(separator: "\n").compactMap { try? JSONValue.parse(Data($0.utf8)) }
    }

    var status: Int { HTTPResult.headers(from: (try? String(contentsOf: headerDump, encoding: .utf8)) ?? "").0 }
    var headers: [String: String] {
        HTTPResult.headers(from: (try? String(contentsOf: headerDump, encoding: .utf8)) ?? "").1
    }

    var hasEnded: Bool { process.withLock { !($0?.isRunning ?? false) } }

    /// Polls until `condition` holds on the lines received, or the deadline passes (then returns what arrived).
    func waitForLines(seconds: Double = 15, until condition: ([JSONValue]) -> Bool) async -> [JSONValue] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let current = lines
            if condition(current) { return current }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return lines
    }

    /// Polls until the server closed the stream (curl exited), bounded by a deadline.
    func waitForEnd(seconds: Double = 15) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if hasEnded { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return hasEnded
    }

    func stop() {
        process.withLock { process in
            if let process, process.isRunning { process.terminate() }
        }
        try? FileManager.default.removeItem(at: output)
        try? FileManager.default.removeItem(at: headerDump)
    }

    deinit { stop() }
}
