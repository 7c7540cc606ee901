import Foundation

/// Runs the real tools (openssl, pkilint, kubectl, nginx, curl) that judge what Keyward produces, with a bounded wait.
/// Shared by the test targets; a missing tool is a failure that points at scripts/install-tools.sh, never a skip.
public enum ExternalTool {
    public struct Output: Sendable, CustomStringConvertible {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Repository root, found from this file's path (Sources/KeywardTestSupport/ExternalTool.swift).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let openssl = "/usr/bin/openssl"

    public static func pkilint(_ command: String) -> String {
        repositoryRoot.appendingPathComponent(".venv-tools/bin/\(command)").path
    }

    /// Runs `executable` and waits at most `timeout`; a missing tool is a test failure pointing at the installer.
    public static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 180) async throws -> Output {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw Failure(description: "\(executable) is missing: run scripts/install-tools.sh")
        }
        let scratch = try TemporaryDirectory()
        let outURL = scratch.url.appendingPathComponent("stdout")
        let errURL = scratch.url.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        defer {
            try? outHandle.close()
            try? errHandle.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // Files, not pipes: a chatty tool can never block on a full pipe buffer.
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        try process.runSerialized()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                throw Failure(description: "\(executable) \(arguments.joined(separator: " ")) exceeded \(timeout)s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return Output(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        )
    }

    public static func openssl(_ arguments: String...) async throws -> Output {
        try await run(openssl, arguments)
    }

    /// pkilint findings at ERROR or above, one per line ("" when clean). `arguments` precede the file name.
    public static func pkilintErrors(_ command: String, _ arguments: [String], file: String) async throws -> String {
        let output = try await run(pkilint(command), ["lint", "-s", "ERROR"] + arguments + [file])
        guard output.status == 0 || !output.stdout.isEmpty else {
            throw Failure(description: "\(command) failed to run: \(output)")
        }
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A scratch directory removed when the value is released.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init(prefix: String = "keyward-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `contents` to `name` and returns the path.
    @discardableResult
    public func write(_ name: String, _ contents: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try contents.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @discardableResult
    public func write(_ name: String, bytes: [UInt8]) throws -> String {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file.path
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
