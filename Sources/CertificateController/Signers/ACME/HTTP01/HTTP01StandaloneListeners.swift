import ControllerRuntime
import Foundation
import Logging

/// Standalone HTTP-01 on Keyward's own listener (`http01.listen`): the first challenge for an address starts an
/// ``ACMEChallengeServer`` there, which then serves every challenge presented for the rest of the run;
/// ``shutdown()`` stops them at the end of the run.
public actor HTTP01StandaloneListeners: ACMEChallengeLookup {
    private var byToken: [String: String] = [:]
    private var listeners: [String: ACMEChallengeServer.Handle] = [:]
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
        do {
            let server = try ACMEChallengeServer(address: address, option: "http01.listen", lookup: self, logger: logger)
            listeners[address] = try await server.start()
        } catch {
            throw ACMESolverError("\(error)", isRetryable: false)
        }
    }
}
