import Foundation
import KeywardCore
import Logging
import ServiceLifecycle

/// A service of a long-running command whose failure ends the process: it logs one `error` line saying what failed
/// and which flag changes it, then gives the rest of the service group `exitWithin` seconds to stop before the
/// process exits non-zero regardless (a sibling that ignores cancellation must not leave a silent, half-started
/// process behind).
struct FailFastService: Service {
    let name: String
    let service: any Service
    /// One sentence naming the cause and the flag to change, from the error the service threw.
    let explain: @Sendable (any Error) -> String
    let logger: Logger
    var exitWithin: TimeInterval = 5

    func run() async throws {
        do {
            try await service.run()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let message = explain(error)
            logger.error("\(message)", metadata: ["service": "\(name)"])
            ProcessDeadline.arm(after: exitWithin, exitCode: 1,
                                message: "\(name) failed and the other services did not stop within \(Int(exitWithin)) s; exiting")
            throw FailFastError(service: name, message: message)
        }
    }
}

/// A service failure already logged by ``FailFastService``: the command exits 1 without printing it again.
struct FailFastError: Error, CustomStringConvertible {
    let service: String
    let message: String
    var description: String { message }
}
