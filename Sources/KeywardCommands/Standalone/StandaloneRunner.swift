import AtomicDirectory
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import Logging
import StandaloneStore

/// Drives reconcilers over a ``FileResourceStore`` without a cluster: the seeds' cron mode (``runOnce()``) and a
/// long-running mode that renews on time and picks up edited manifests (``run(pollInterval:)``).
///
/// It replaces the informer + work queue of the Kubernetes deployment with a due-time per object; the reconcilers
/// are the very same values the controller runs.
public struct StandaloneRunner: Sendable {
    /// One reconciler and the stored resource (`plural.group`) whose objects it reconciles.
    public struct Lane: Sendable {
        public var resource: String
        public var reconciler: any Reconciler
        /// The object of the same lane this one must follow in a pass (a leaf's CA Certificate), if any: objects
        /// are reconciled in waves, each wave's objects concurrently, so a CA is issued before the leaves it signs.
        public var dependency: (@Sendable (ObjectKey) async -> ObjectKey?)?
        public init(resource: String, reconciler: any Reconciler, dependency: (@Sendable (ObjectKey) async -> ObjectKey?)? = nil) {
            self.resource = resource
            self.reconciler = reconciler
            self.dependency = dependency
        }
    }

    /// What one object's last reconcile said.
    public struct Outcome: Sendable {
        public var resource: String
        public var key: ObjectKey
        public var requeueAfter: TimeInterval?
        public var error: String?
        /// Whether reconciling it wrote anything (in any pass of ``StandaloneRunner/runOnce()``).
        public var changed = false
    }

    public let store: FileResourceStore
    /// The group commit the store and the file output share, if any. Once one of its flushes failed, nothing
    /// written since can be counted on being on disk, and every later write fails: the runner stops
    /// (``StandaloneRunnerError/durabilityLost(errno:)``) instead of retrying forever.
    public var groupCommit: GroupCommit?
    public let manifestsDirectory: String
    public let lanes: [Lane]
    public let clock: any WallClock
    let logger: Logger
    /// Bound on reconcile passes in ``runOnce()``: issuers first become ready, then what they issue.
    public var maxPasses = 10
    /// Objects of one wave reconciled at the same time. Several per core: a reconcile spends most of its time
    /// handing off (to the crypto threads, the file I/O threads, the store), and with one per core the cores sat
    /// half idle (measured: ~1.0 of 2 cores busy at 2 per wave).
    public var concurrency = 8 * max(1, ProcessInfo.processInfo.activeProcessorCount)

    public init(store: FileResourceStore, manifestsDirectory: String, lanes: [Lane], clock: any WallClock = SystemClock(),
                logger: Logger = Logger(label: "keyward.standalone")) {
        self.store = store
        self.manifestsDirectory = manifestsDirectory
        self.lanes = lanes
        self.clock = clock
        self.logger = logger
    }

    /// Applies the manifests and reconciles everything until a pass writes nothing (or `maxPasses`). Then, while
    /// a Certificate has a pending request (an ACME order being validated) and `waitForPending` seconds have not
    /// passed, waits for the soonest requeue (at most ``pendingPollInterval``) and reconciles again, so a cron run
    /// ends with the certificate rather than with the order half done.
    public func runOnce(waitForPending: TimeInterval = 0) async throws -> [Outcome] {
        do { try await store.apply(ManifestDirectory.load(manifestsDirectory)) } catch {
            try checkDurability()
            throw error
        }
        var outcomes: [StoredObjectKey: Outcome] = [:]
        func settle() async {
            for _ in 0..<maxPasses {
                let before = await store.writeCount
                for (key, var outcome) in await reconcileAll(due: nil) {
                    outcome.changed = outcome.changed || outcomes[key]?.changed == true
                    outcomes[key] = outcome
                }
                if await store.writeCount == before { break }
            }
        }
        await settle()
        try checkDurability()
        let deadline = clock.now.addingTimeInterval(max(0, waitForPending))
        while try await hasPendingRequests(), clock.now < deadline {
            let soonest = outcomes.values.compactMap(\.requeueAfter).filter { $0 > 0 }.min() ?? Self.pendingPollInterval
            let wake = min(deadline, clock.now.addingTimeInterval(min(max(soonest, 0.2), Self.pendingPollInterval)))
            try await clock.sleep(until: wake)
            await settle()
            try checkDurability()
        }
        return outcomes.keys.sorted().map { outcomes[$0]! }
    }

    /// Throws once the group commit has failed a flush.
    private func checkDurability() throws(StandaloneRunnerError) {
        if let code = groupCommit?.failure { throw .durabilityLost(errno: code) }
    }

    /// The longest ``runOnce(waitForPending:)`` sleeps between passes while a request is pending.
    public static let pendingPollInterval: TimeInterval = 5

    /// Whether any Certificate waits for its issuer (`status.pendingRequest`).
    func hasPendingRequests() async throws -> Bool {
        try await store.list(Certificate.self, namespace: nil).contains { $0.status?.pendingRequest != nil }
    }

    /// Runs until cancelled: re-reads the manifests every `pollInterval` and reconciles each object when its
    /// requeue time comes (errors retry with a doubling backoff up to five minutes). Manifests that cannot be read
    /// at the start throw (nothing to run on: a startup failure); later, the last good state is kept.
    public func run(pollInterval: TimeInterval = 10) async throws {
        var due: [StoredObjectKey: Date] = [:]
        var failures: [StoredObjectKey: Int] = [:]
        var nextManifestScan = clock.now
        var applied = false
        while !Task.isCancelled {
            let now = clock.now
            if now >= nextManifestScan {
                do {
                    for key in try await store.apply(ManifestDirectory.load(manifestsDirectory)) { due[key] = now }
                    applied = true
                } catch {
                    try checkDurability()
                    if !applied { throw error }
                    logger.error("manifests not applied; keeping the last good state", metadata: ["error": "\(error)"])
                }
                nextManifestScan = now.addingTimeInterval(pollInterval)
            }
            // Objects never seen before are due at once.
            for lane in lanes { for key in await store.keys(resource: lane.resource) where due[key] == nil { due[key] = now } }
            let ready = Set(due.filter { $0.value <= now }.map(\.key))
            let outcomes = await reconcileAll(due: ready)
            try checkDurability()
            for (key, outcome) in outcomes {
                if outcome.error != nil {
                    failures[key, default: 0] += 1
                    due[key] = now.addingTimeInterval(min(300, 5 * pow(2, Double(failures[key]! - 1))))
                } else {
                    failures[key] = nil
                    // `.done` waits for a manifest change; a far-future check keeps deleted objects from lingering.
                    due[key] = now.addingTimeInterval(outcome.requeueAfter ?? 3600)
                }
            }
            for key in due.keys where await store.keys(resource: key.resource).contains(key) == false { due[key] = nil }
            let wake = min(nextManifestScan, due.values.min() ?? nextManifestScan)
            if wake > clock.now { try await clock.sleep(until: wake) }
        }
    }

    private func reconcileAll(due: Set<StoredObjectKey>?) async -> [(StoredObjectKey, Outcome)] {
        var results: [(StoredObjectKey, Outcome)] = []
        for lane in lanes {
            let keys = await store.keys(resource: lane.resource).filter { due?.contains($0) ?? true }
            for wave in await Self.waves(keys, lane: lane) {
                results += await reconcile(wave, lane: lane)
            }
        }
        return results
    }

    /// One wave, `concurrency` objects at a time; results in key order.
    private func reconcile(_ wave: [StoredObjectKey], lane: Lane) async -> [(StoredObjectKey, Outcome)] {
        await withTaskGroup(of: (Int, StoredObjectKey, Outcome).self) { group in
            var results: [(Int, StoredObjectKey, Outcome)] = []
            var next = 0
            func startNext() {
                guard next < wave.count else { return }
                let index = next, stored = wave[index]
                next += 1
                group.addTask { (index, stored, await self.reconcile(stored, lane: lane)) }
            }
            for _ in 0..<min(concurrency, wave.count) { startNext() }
            while let result = await group.next() {
                results.append(result)
                startNext()
            }
            return results.sorted { $0.0 < $1.0 }.map { ($0.1, $0.2) }
        }
    }

    private func reconcile(_ stored: StoredObjectKey, lane: Lane) async -> Outcome {
        let key = ObjectKey(namespace: stored.namespace, name: stored.name)
        // Other objects write meanwhile: the writes this reconcile made are counted on its own task.
        let tally = WriteTally()
        return await FileResourceStore.$tally.withValue(tally) {
            do {
                let result = try await lane.reconciler.reconcile(key)
                return Outcome(resource: lane.resource, key: key, requeueAfter: result.requeueAfter, changed: tally.writes > 0)
            } catch {
                logger.warning("reconcile failed", metadata: ["object": "\(stored)", "error": "\(error)"])
                return Outcome(resource: lane.resource, key: key, error: "\(error)", changed: tally.writes > 0)
            }
        }
    }

    /// Splits a lane's keys into waves: an object whose dependency is in the lane goes one wave after it. Depth is
    /// bounded (a cycle or a very deep chain lands in the last wave; the next pass settles it).
    static func waves(_ keys: [StoredObjectKey], lane: Lane) async -> [[StoredObjectKey]] {
        guard let dependency = lane.dependency, keys.count > 1 else { return keys.isEmpty ? [] : [keys] }
        let inLane = Set(keys)
        var parent: [StoredObjectKey: StoredObjectKey] = [:]
        for key in keys {
            guard let target = await dependency(ObjectKey(namespace: key.namespace, name: key.name)) else { continue }
            let stored = StoredObjectKey(resource: key.resource, namespace: target.namespace, name: target.name)
            if inLane.contains(stored), stored != key { parent[key] = stored }
        }
        let maxDepth = 8
        var byDepth: [[StoredObjectKey]] = Array(repeating: [], count: maxDepth + 1)
        for key in keys {
            var depth = 0
            var current = key
            while let up = parent[current], depth < maxDepth {
                depth += 1
                current = up
            }
            byDepth[depth].append(key)
        }
        return byDepth.filter { !$0.isEmpty }
    }
}

/// Why a standalone run stopped on its own.
public enum StandaloneRunnerError: Error, Equatable, CustomStringConvertible {
    /// A grouped flush of the state or output filesystem failed: writes since then may not be on disk.
    case durabilityLost(errno: Int32)

    public var description: String {
        switch self {
        case .durabilityLost(let code):
            "a flush of the state or output filesystem failed (\(String(cString: strerror(code)))): what was written "
                + "since may not be on disk, so the run stops; fix the disk and run again (state is redone from the "
                + "manifests), or use --durability each-file"
        }
    }
}
