import Foundation
import KeywardAPI
import KeywardCore

/// Runs standalone mode's `spec.onChange` commands: argv executed directly (no shell), killed after its timeout.
/// They are the consumers when there is no cluster to roll out.
enum ChangeHooks {
    struct Failure: Error, CustomStringConvertible {
        var command: String
        var reason: String
        /// The start of what the hook printed (stdout and stderr), at most ``outputLimit`` bytes.
        var output = ""
        var description: String { "onChange hook \(command) \(reason)" }
    }

    /// A hook that ran and exited 0.
    struct Ran: Sendable {
        var command: String
        var output: String
    }

    /// How much of a hook's output is kept for the log.
    static let outputLimit = 1024

    @discardableResult
    static func run(_ hook: SecretRotation.Hook, environment: [String: String]) async throws(Failure) -> Ran? {
        guard let program = hook.exec.first else { return nil }
        let name = URL(fileURLWithPath: program).lastPathComponent
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(hook.exec.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // Output goes to an unlinked 0600 file (no pipe a chatty hook could fill); only its start is read back.
        let capture = OutputCapture()
        process.standardOutput = capture?.handle ?? FileHandle.nullDevice
        process.standardError = capture?.handle ?? FileHandle.nullDevice
        let timeout = hook.timeout.duration?.timeInterval ?? 30
        let status: Int32
        // Started before the process so it exists to be cancelled however the wait ends.
        let watchdog = Task {
            try await Task.sleep(for: .milliseconds(Int64(timeout * 1000)))
            await ProcessLaunch.stop(process)
        }
        defer { watchdog.cancel() }
        do {
            status = try await withCheckedThrowingContinuation { (c: CheckedContinuation<Int32, any Error>) in
                process.terminationHandler = { c.resume(returning: $0.terminationStatus) }
                do { try ProcessLaunch.run(process) } catch {
                    process.terminationHandler = nil
                    c.resume(throwing: error)
                }
            }
        } catch {
            throw Failure(command: name, reason: "could not start: \(error.localizedDescription)")
        }
        let output = capture?.excerpt(limit: outputLimit) ?? ""
        if process.terminationReason == .uncaughtSignal {
            throw Failure(command: name, reason: "was killed after \(hook.timeout) (or by signal \(status))", output: output)
        }
        if status != 0 { throw Failure(command: name, reason: "exited with status \(status)", output: output) }
        return Ran(command: name, output: output)
    }
}

/// A hook's stdout and stderr: a 0600 temporary file, unlinked at once, read back from the start.
private final class OutputCapture {
    let handle: FileHandle

    init?() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keyward-hook-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forUpdatingAtPath: path) else { return nil }
        try? FileManager.default.removeItem(atPath: path)
        self.handle = handle
    }

    /// The first `limit` bytes, trimmed, with "…" when there was more.
    func excerpt(limit: Int) -> String {
        guard (try? handle.seek(toOffset: 0)) != nil, let data = try? handle.read(upToCount: limit + 1) else { return "" }
        let text = String(decoding: data.prefix(limit), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return data.count > limit ? text + "…" : text
    }

    deinit { try? handle.close() }
}
