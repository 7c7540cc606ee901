import Foundation
import KeywardCore
import Logging
import Synchronization

/// SIGTERM and SIGINT for a long-running command, from its first line on: the first signal runs the command's
/// graceful shutdown (registered with ``onShutdown(_:)`` once there is something to shut down, or at once if the
/// signal came first) and the process ends within `gracePeriod` whatever it is doing (``TerminationSignals``).
final class ShutdownRelay: Sendable {
    /// The default graceful-shutdown bound: below Kubernetes' 30 s terminationGracePeriodSeconds, so the process
    /// ends on its own before the kubelet's SIGKILL.
    static let defaultGracePeriod: TimeInterval = 25

    private struct State {
        var requested = false
        var action: (@Sendable () async -> Void)?
    }

    private let state = Mutex(State())
    private let signals = Mutex<TerminationSignals?>(nil)

    init(gracePeriod: TimeInterval, logger: Logger) {
        let installed = TerminationSignals(gracePeriod: gracePeriod) { [self] number in
            logger.notice("shutting down", metadata: [
                "signal": "\(number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : "\(number)")",
                "deadline": "\(TerminationSignals.format(gracePeriod))",
            ])
            Task { await self.request() }
        }
        signals.withLock { $0 = installed }
    }

    /// Whether a termination signal has arrived.
    var isRequested: Bool { state.withLock { $0.requested } }

    /// Registers the graceful shutdown; runs it at once when a signal arrived already.
    func onShutdown(_ action: @escaping @Sendable () async -> Void) async {
        let alreadyRequested = state.withLock { state in
            state.action = action
            return state.requested
        }
        if alreadyRequested { await action() }
    }

    func request() async {
        let action: (@Sendable () async -> Void)? = state.withLock { state in
            guard !state.requested else { return nil }
            state.requested = true
            return state.action
        }
        await action?()
    }
}
