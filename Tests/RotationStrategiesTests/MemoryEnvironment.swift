import Foundation
import RotationStrategies
import SecretGenerators

/// Thrown by ``MemoryEnvironment`` to simulate the controller process dying right after a durable write.
struct Killed: Error {}

/// Everything that survives a controller restart: the Secret, the persisted state and the consumer workloads.
struct Durable: Equatable {
    var data: [String: Data]
    var state: RotationState
    var consumers: [Consumer]

    struct Consumer: Equatable {
        var id: String
        var stamp: String?
        var rolledOut: Bool
        /// Observations left until a started rollout completes; nil never completes.
        var remaining: Int?
    }
}

/// An in-memory cluster for ``RotationRunner``: every write is durable when it returns, and the process can be
/// "killed" right after the N-th write.
final class MemoryEnvironment: RotationEnvironment {
    var durable: Durable
    var now: Date
    /// How many observations a started rollout takes; nil: rollouts never finish.
    var rolloutObservations: Int?
    /// Decides verification; records what it was asked.
    var verifier: ([String: Data]) -> VerificationOutcome
    private(set) var verified: [String] = []
    private(set) var writes = 0
    private(set) var snapshots: [Durable] = []
    private(set) var events: [RotationEvent] = []
    private(set) var maxRolling = 0
    var killAfterWrite: Int?

    init(durable: Durable, now: Date = Date(timeIntervalSince1970: 1_800_000_000), rolloutObservations: Int? = 1,
         verifier: @escaping ([String: Data]) -> VerificationOutcome = { _ in .passed }) {
        self.durable = durable
        self.now = now
        self.rolloutObservations = rolloutObservations
        self.verifier = verifier
    }

    private func wrote() throws {
        writes += 1
        snapshots.append(durable)
        if let kill = killAfterWrite, writes >= kill { throw Killed() }
    }

    func writeSecret(_ data: [String: Data]) async throws {
        durable.data = data
        try wrote()
    }

    func writeState(_ state: RotationState, events: [RotationEvent]) async throws {
        durable.state = state
        self.events += events
        try wrote()
    }

    func verify(_ candidate: [String: Data]) async throws -> VerificationOutcome {
        verified.append(ValuesHash.of(candidate))
        return verifier(candidate)
    }

    func observeConsumers() async throws -> [ConsumerObservation] {
        for i in durable.consumers.indices where !durable.consumers[i].rolledOut {
            guard let left = durable.consumers[i].remaining else { continue }
            if left <= 1 { durable.consumers[i].rolledOut = true; durable.consumers[i].remaining = 0 }
            else { durable.consumers[i].remaining = left - 1 }
        }
        return durable.consumers.map { ConsumerObservation(id: $0.id, stamp: $0.stamp, rolledOut: $0.rolledOut) }
    }

    func stamp(_ ids: [String], with stamp: String) async throws {
        for i in durable.consumers.indices where ids.contains(durable.consumers[i].id) {
            durable.consumers[i].stamp = stamp
            durable.consumers[i].rolledOut = false
            durable.consumers[i].remaining = rolloutObservations
        }
        maxRolling = max(maxRolling, durable.consumers.filter { !$0.rolledOut }.count)
    }
}

enum Fixtures {
    static let password = RotatedKey(name: "password", generator: .password(PasswordGenerator()))
    static let token = RotatedKey(name: "token", generator: .token(TokenGenerator()))
    static let basicAuth = RotatedKey(name: "admin", generator: .basicAuth(BasicAuthGenerator(username: "admin", cost: 4)))

    static func consumers(_ n: Int) -> [Durable.Consumer] {
        (0..<n).map { Durable.Consumer(id: "Deployment/app-\($0)", stamp: nil, rolledOut: true, remaining: 0) }
    }

    /// A Secret provisioned by a first run, idle.
    static func provisioned(_ runner: RotationRunner, consumers: Int = 0) async throws -> Durable {
        let env = MemoryEnvironment(durable: Durable(data: ["unrelated": Data("keep".utf8)], state: RotationState(),
                                                     consumers: Self.consumers(consumers)))
        _ = try await runner.run(state: env.durable.state, data: env.durable.data, triggers: .init(), environment: env)
        return env.durable
    }
}

extension Dictionary where Key == String, Value == Data {
    func text(_ key: String) -> String? { self[key].map { String(decoding: $0, as: UTF8.self) } }
}
