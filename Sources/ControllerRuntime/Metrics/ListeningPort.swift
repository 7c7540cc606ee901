import Synchronization

/// A one-shot value: the bound port, or `nil` when the server stopped without listening. Public for listeners of
/// other modules (the ACME HTTP-01 challenge server).
public final class ListeningPort: Sendable {
    public init() {}

    private struct State {
        var resolved = false
        var port: Int?
        var waiters: [CheckedContinuation<Int?, Never>] = []
    }
    private let state = Mutex(State())

    public func resolve(_ port: Int?) {
        let waiters: [CheckedContinuation<Int?, Never>] = state.withLock { state in
            guard !state.resolved else { return [] }
            state.resolved = true
            state.port = port
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    /// Whether the server listened (or stopped) already.
    public var isResolved: Bool { state.withLock { $0.resolved } }

    public func value() async -> Int? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int?, Never>) in
            let ready: Int?? = state.withLock { state in
                if state.resolved { return .some(state.port) }
                state.waiters.append(continuation)
                return .none
            }
            if case .some(let port) = ready { continuation.resume(returning: port) }
        }
    }
}
