import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import RotationStrategies
@testable import SecretRotationController
import Synchronization
import Testing

/// The controller is killed right after each durable write of each phase of each strategy; a new reconciler
/// instance then resumes from what the API server holds and must reach the correct end state.
@Suite("Restart after every phase")
struct RestartTests {
    enum Path: String, Sendable { case rotate, verificationFails, migrationTimesOut }
    enum Point: Sendable, CustomStringConvertible {
        /// Right after the status write that entered the phase.
        case entered(RotationPhase)
        /// Right after a Secret write made while in the phase (before the next status write).
        case secretWritten(RotationPhase)
        var description: String {
            switch self {
            case .entered(let p): "entered \(p.rawValue)"
            case .secretWritten(let p): "Secret written in \(p.rawValue)"
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var strategy: SecretRotation.StrategyType
        var path: Path
        var point: Point
        var testDescription: String { "\(strategy) \(path.rawValue), killed after \(point)" }
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        for strategy in [SecretRotation.StrategyType.immediate, .staged, .dualWrite, .blueGreen] {
            var rotate: [Point] = [.entered(.generating), .secretWritten(.generating), .entered(.verifying),
                                   .entered(.promoting), .secretWritten(.promoting), .entered(.migrating),
                                   .entered(.idle)]
            // Finalizing is its own write only where it changes the Secret (dualWrite drops KEY.previous); elsewhere
            // it is folded into the write that leaves Migrating.
            if strategy == .dualWrite { rotate += [.entered(.finalizing), .secretWritten(.finalizing)] }
            cases += rotate.map { Case(strategy: strategy, path: .rotate, point: $0) }
            cases += [Point.entered(.rollingBack), .secretWritten(.rollingBack), .entered(.failed)].map {
                Case(strategy: strategy, path: .verificationFails, point: $0)
            }
            if strategy != .immediate {
                cases += [Point.entered(.rollingBack), .secretWritten(.rollingBack)].map {
                    Case(strategy: strategy, path: .migrationTimesOut, point: $0)
                }
            }
        }
        return cases
    }()

    @Test("a restarted controller finishes or rolls back correctly", arguments: cases)
    func restart(_ c: Case) async throws {
        try await Harness.with { h in
            let accept = c.path != .verificationFails
            let service = try LoopbackHTTPServer { _ in accept ? 200 : 401 }
            defer { service.stop() }
            try await h.createDeployment("api", usingSecret: "db")
            try await h.create("db", .db(c.strategy, verifyURL: service.url,
                                         consumers: .init(workloads: [.init(kind: .deployment, name: "api")])))
            try await h.reconcile("db")
            let old = try #require(try await h.data("db").text("password"))
            let oldStamp = ValuesHash.revisionStamp(valuesHash: ValuesHash.of(["password": Data(old.utf8)]))
            h.clock.advance(by: 3600)

            let point = c.point
            let crashing = CrashingStore(h.store) { write, lastPhase in
                switch (point, write) {
                case (.entered(let p), .status(let r)): r.status?.phase == p && lastPhase != p
                case (.secretWritten(let p), .secret): lastPhase == p
                default: false
                }
            }
            let doomed = h.reconciler(store: crashing)
            // Run the doomed controller (completing rollouts, and for the timeout path letting time pass) until it dies.
            for _ in 0..<20 where !crashing.isDead {
                do { try await h.reconcile("db", with: doomed) } catch is Killed { break }
                if c.path == .migrationTimesOut { h.clock.advance(by: 301) } else { try await h.completeAllRollouts() }
            }
            #expect(crashing.isDead, "the kill point was never reached")

            // Restart: a new instance over the real store.
            for _ in 0..<30 {
                try await h.reconcile("db")
                let phase = try await h.status("db").phase
                if phase == .idle || phase == .failed { break }
                if c.path == .migrationTimesOut { h.clock.advance(by: 301) } else { try await h.completeAllRollouts() }
            }

            let status = try await h.status("db")
            let data = try await h.data("db")
            let live = try #require(data.text("password"))
            #expect(!data.keys.contains("password.pending"))
            switch c.path {
            case .rotate:
                #expect(status.phase == .idle && status.revision == 2 && live != old)
                #expect(service.received.contains { $0.headers["authorization"] == "Bearer \(live)" },
                        "the live value is one that passed verification")
                let stamp = ValuesHash.revisionStamp(valuesHash: ValuesHash.of(["password": Data(live.utf8)]))
                #expect(try await h.stamp("api", secret: "db") == stamp)
                switch c.strategy {
                case .staged: #expect(data.text("password.previous") == old)
                case .blueGreen: #expect(data.text("password.blue") == old && data.text("active") == "green")
                default: #expect(data["password.previous"] == nil)
                }
            case .verificationFails:
                #expect(status.phase == .failed && status.revision == 1 && live == old)
                #expect(data["password.green"] == nil && data["password.previous"] == nil)
                #expect(try await h.stamp("api", secret: "db") == nil, "no consumer was moved")
            case .migrationTimesOut:
                #expect(status.phase == .failed && live == old)
                #expect(status.conditions[type: "Ready"]?.reason == "MigrationTimedOut")
                #expect(try await h.stamp("api", secret: "db") == oldStamp, "the moved consumer went back")
                if c.strategy == .blueGreen { #expect(data.text("active") == "blue") }
            }
        }
    }
}
