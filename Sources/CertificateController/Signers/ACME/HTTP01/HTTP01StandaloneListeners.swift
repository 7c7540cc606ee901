import ControllerRuntime
import Foundation
import Logging

/// Standalone HTTP-01 on Keyward's own listener (`http01.listen`): the first challenge for an address starts an
/// ``ACMEChallengeServer`` there, which then serves every challenge presented for the rest of the run;
/// ``shutdown()`` stops them at the end of the run.
public actor HTTP01StandaloneListeners: ACMEChallengeLookup {
    private var byToken: [String: String] = [:]
    private var listeners: [String: ACMEChallengeServer.Handle] = [:]
    /// Listeners being started: a second challenge for the same address waits for the first one's start (the actor
    /// is re-entered while it awaits) instead of binding the address twice.
    private var starting: [String: Task<ACMEChallengeServer.Handle, any Error>] = [:]
    private let logger: Logger

    public init(logger: Logger = Logger(label: "keyward.acme-http01")) { self.logger = logger }

    public func keyAuthorization(forToken token: String) -> String? { byToken[token] }

    /// Serves `keyAuthorization` for `token` on `address` (starting a listener there if none runs yet).
    func present(token: String, keyAuthorization: String, address: String) async throws(ACMESolverError) {
        if listeners[address] == nil { try await start(address) }
        byToken[token] = keyAuthorization
    }

    func cleanup(token: String) { byToken[token] = nil }

    /// The port bound for `address` (tests listen on port 0).
    public func boundPort(for address: String) -> Int? { listeners[address]?.port }

    /// Stops every listener (graceful: requests in flight finish).
    public func shutdown() async {
        let running = listeners.values
        listeners = [:]
        for listener in running { await listener.stop() }
    }

    private func start(_ address: String) async throws(ACMESolverError) {
        let task: Task<ACMEChallengeServer.Handle, any Error>
        if let pending = starting[address] {
            task = pending
        } else {
            let server: ACMEChallengeServer
            do {
                server = try ACMEChallengeServer(address: address, option: "http01.listen", lookup: self, logger: logger)
            } catch {
                throw ACMESolverError("\(error)", isRetryable: false)
            }
            task = Task { try await server.start() }
            starting[address] = task
        }
        do {
            let handle = try await task.value
            listeners[address] = handle
            starting[address] = nil
        } catch {
            starting[address] = nil
            throw ACMESolverError("\(error)", isRetryable: false)
        }
    }
}
