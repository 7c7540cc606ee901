import Foundation
import KeywardAPI
import KeywardCore

/// Runs standalone mode's `spec.onChange` commands: argv executed directly (no shell), killed after its timeout.
/// They are the consumers when there is no cluster to roll out.
enum ChangeHooks {
    struct Failure: Error, CustomStringConvertible {
        var command: String
        var reason: String
        var description: String { "onChange hook \(command) \(reason)" }
    }

    static func run(_ hook: SecretRotation.Hook, environment: [String: String]) async throws(Failure) {
        guard let program = hook.exec.first else { return }
        let name = URL(fileURLWithPath: program).lastPathComponent
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(hook.exec.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let timeout = hook.timeout.duration?.timeInterval ?? 30
        let status: Int32
        // Started before the process so it exists to be cancelled however the wait ends.
        let watchdog = Task {
            try await Task.sleep(for: .milliseconds(Int64(timeout * 1000)))
            if process.isRunning { process.terminate() }
        }
        defer { watchdog.cancel() }
        do {
            status = try await withCheckedThrowingContinuation { (c: CheckedContinuation<Int32, any Error>) in
                process.terminationHandler = { c.resume(returning: $0.terminationStatus) }
                do { try process.run() } catch {
                    process.terminationHandler = nil
                    c.resume(throwing: error)
                }
            }
        } catch {
            throw Failure(command: name, reason: "could not start: \(error.localizedDescription)")
        }
        if process.terminationReason == .uncaughtSignal {
            throw Failure(command: name, reason: "was killed after \(hook.timeout) (or by signal \(status))")
        }
        if status != 0 { throw Failure(command: name, reason: "exited with status \(status)") }
    }
}
