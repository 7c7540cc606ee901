import Foundation
import Synchronization

/// A command started in the background with its stdout and stderr in files, for tests that signal it and wait for
/// it to end with a bound (never a timed assertion: the bound only keeps a hung process from hanging the run).
/// Killed with SIGKILL when released while still running.
public final class ChildProcess: Sendable {
    private let process: Mutex<Process>
    private let scratch: TemporaryDirectory
    public let pid: Int32

    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                currentDirectory: String? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ExternalTool.Failure(description: "\(executable) is missing: build it with `swift build`")
        }
        let scratch = try TemporaryDirectory(prefix: "keyward-child")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        // Files, not pipes: a chatty process can never block on a full pipe buffer.
        for name in ["stdout", "stderr"] { _ = FileManager.default.createFile(atPath: scratch.path(name), contents: nil) }
        process.standardOutput = try FileHandle(forWritingTo: scratch.url.appendingPathComponent("stdout"))
        process.standardError = try FileHandle(forWritingTo: scratch.url.appendingPathComponent("stderr"))
        process.standardInput = FileHandle.nullDevice
        try process.runSerialized()
        self.scratch = scratch
        self.pid = process.processIdentifier
        self.process = Mutex(process)
    }

    public var isRunning: Bool { process.withLock { $0.isRunning } }
    public var stdout: String { (try? String(contentsOfFile: scratch.path("stdout"), encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: scratch.path("stderr"), encoding: .utf8)) ?? "" }

    /// Sends `number` (SIGTERM, SIGINT, …).
    public func signal(_ number: Int32) { _ = kill(pid, number) }

    /// Waits at most `timeout` seconds for the process to end: its exit status (128 + N when a signal N killed
    /// it, as a shell reports), or nil if it is still running.
    public func exitStatus(within timeout: TimeInterval) async -> Int32? {
        guard await within(timeout, every: .milliseconds(50), { !self.isRunning }) else { return nil }
        return process.withLock { process in
            process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        }
    }

    /// Waits at most `timeout` seconds until `text` shows up in stdout or stderr.
    public func waitForOutput(_ text: String, within timeout: TimeInterval) async -> Bool {
        await within(timeout, every: .milliseconds(50)) { self.stdout.contains(text) || self.stderr.contains(text) }
    }

    deinit {
        if isRunning {
            _ = kill(pid, SIGKILL)
            process.withLock { $0.waitUntilExit() }
        }
    }
}
