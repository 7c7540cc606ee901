import Foundation
import KeywardCore
import Logging
import ServiceLifecycle

/// Runs informers and controllers as one service, the way controller-runtime's manager does.
///
/// Informers start at once on every replica, so a standby keeps warm caches and takes over without a relist;
/// readiness turns true when every cache has synced and the controllers run (or, with leader election, the elector
/// stands by). Controllers run only while this replica leads (when leader
/// election is configured). A graceful shutdown drains the controllers, releases the Lease, then stops the
/// informers. Losing the Lease is an error that ends the service (the process restarts, as in client-go).
public struct Manager: Service {
    private var informers: [@Sendable () async -> Void] = []
    private var syncWaits: [@Sendable () async throws -> Void] = []
    private var controllers: [@Sendable () async throws -> Void] = []
    private let elector: LeaderElector?
    private let health: HealthState?
    private let logger: Logger

    public init(elector: LeaderElector? = nil, health: HealthState? = nil, logger: Logger = Logger(label: "keyward.manager")) {
        self.elector = elector
        self.health = health
        self.logger = logger
    }

    public mutating func add<T>(_ informer: Informer<T>) {
        informers.append { await informer.run() }
        syncWaits.append { try await informer.waitUntilSynced() }
    }

    public mutating func add<R: Reconciler>(_ controller: Controller<R>) {
        controllers.append { try await controller.run() }
    }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for informer in informers { group.addTask { await informer() } }
            // An informer that cannot start (its CRD is missing) ends the manager with its error: a startup
            // failure the process reports and exits on, not a retry loop that never becomes ready.
            for wait in syncWaits {
                try await wait()
                if Task.isCancelled { return }
            }
            health?.setCachesSynced(true)
            logger.info("caches synced", metadata: ["informers": "\(informers.count)"])
            if let elector { try await runElected(elector) } else { try await runControllers() }
            group.cancelAll()
        }
    }

    private func runControllers() async throws {
        let controllers = self.controllers
        health?.setControllersRunning(true)
        defer { health?.setControllersRunning(false) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for controller in controllers { group.addTask { try await controller() } }
            try await group.waitForAll()
        }
    }

    /// Leads while possible; a shutdown that arrives while standing by ends at once, one that arrives while leading
    /// lets the controllers drain and the Lease be released first.
    private func runElected(_ elector: LeaderElector) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await elector.run { try await self.runControllers() }
                return true
            }
            group.addTask {
                try await gracefulShutdown()
                return false
            }
            while let electionEnded = try await group.next() {
                if electionEnded || !elector.isLeader {
                    group.cancelAll()
                    return
                }
            }
        }
    }
}
