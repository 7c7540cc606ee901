#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// SIGTERM and SIGINT for a long-running command: the first one starts a graceful shutdown and arms a
/// ``ProcessDeadline`` of `gracePeriod`, so the process ends within that bound whatever it is doing; a second one
/// ends it at once. Exit status after a cut-short shutdown is 128 + the signal number, as if it had been killed.
///
/// `@unchecked Sendable`: the Dispatch sources are not Sendable; they are only touched under `lock`.
public final class TerminationSignals: @unchecked Sendable {
    public static let defaultSignals: [Int32] = [SIGTERM, SIGINT]

    private let lock = NSLock()
    private var sources: [any DispatchSourceSignal] = []
    private let received = Mutex(0)

    /// - Parameters:
    ///   - gracePeriod: seconds the graceful shutdown may take before the process is ended.
    ///   - onSignal: starts the graceful shutdown (called once, on a Dispatch queue).
    public init(_ signals: [Int32] = TerminationSignals.defaultSignals, gracePeriod: TimeInterval,
                onSignal: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "keyward.termination-signals")
        // The handlers hold `self` until `cancel()`: signals must keep working even if the caller drops it.
        let made: [any DispatchSourceSignal] = signals.map { number in
            // The Dispatch source sees the signal only once its default action (terminate) is off. A no-op handler
            // rather than SIG_IGN: an ignored signal stays ignored across exec, so every reload command and hook
            // would start deaf to SIGTERM and its timeout could not end it; a handled one resets to default.
            Self.catchWithoutAction(number)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                let count = self.received.withLock { count in
                    count += 1
                    return count
                }
                let name = number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : "signal \(number)"
                if count > 1 {
                    ProcessDeadline.exitNow(128 + number, message: "\(name) again: exiting now")
                }
                ProcessDeadline.arm(after: gracePeriod, exitCode: 128 + number,
                                    message: "graceful shutdown did not finish within \(Self.format(gracePeriod)) after \(name); exiting")
                onSignal(number)
            }
            source.resume()
            return source
        }
        lock.withLock { sources = made }
    }

    /// Whether a termination signal has arrived.
    public var signalled: Bool { received.withLock { $0 > 0 } }

    /// Stops listening (the signals stay ignored).
    public func cancel() {
        lock.withLock {
            for source in sources { source.cancel() }
            sources = []
        }
    }

    /// Installs a handler that does nothing, so the signal no longer terminates the process.
    static func catchWithoutAction(_ number: Int32) {
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = { _ in }
        #elseif canImport(Darwin)
        action.__sigaction_u.__sa_handler = { _ in }
        #else
        action.__sa_handler.sa_handler = { _ in }
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(number, &action, nil)
    }

    public static func format(_ seconds: TimeInterval) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}
