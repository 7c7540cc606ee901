import ControllerRuntime
import Foundation
import KeywardCore
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A test API server whose clients are told apart: every replica authenticates with its own token, so the
/// server's write log names the replica behind each write.
struct ReplicaCluster {
    static let adminToken = "fault-suite-admin"
    let server: APIServer
    /// The test's own client (user `admin`), with patient retries so setup survives injected faults.
    let admin: KubernetesClient

    /// Starts a server that knows `replicas` (token → user of the same name) and has `namespaces`.
    static func start(replicas: [String] = [], namespaces: [String] = ["in", "out", "keyward-system"]) async throws
        -> ReplicaCluster
    {
        var configuration = APIServerConfiguration()
        configuration.tokens = [adminToken: "admin"]
        for replica in replicas { configuration.tokens[token(for: replica)] = replica }
        let server = try await APIServer.start(configuration)
        let admin = client(server: server, token: adminToken,
                           retry: RetryPolicy(maxAttempts: 10, backoff: Backoff(base: 0.01, cap: 0.1)))
        for namespace in namespaces { _ = try await admin.create(Namespace(name: namespace)) }
        return ReplicaCluster(server: server, admin: admin)
    }

    static func token(for replica: String) -> String { "\(replica)-token" }

    static func client(server: APIServer, token: String, retry: RetryPolicy, clock: any WallClock = SystemClock())
        -> KubernetesClient
    {
        KubernetesClient(
            configuration: ClientConfiguration(server: server.url, tls: TLSSettings(caPEM: Data(server.caCertificatePEM.utf8)),
                                               credentials: .token(token)),
            retryPolicy: retry, clock: clock)
    }

    /// A client that authenticates as `replica`.
    func client(for replica: String, retry: RetryPolicy = RetryPolicy(maxAttempts: 3, backoff: Backoff(base: 0.01, cap: 0.05)),
                clock: any WallClock = SystemClock()) -> KubernetesClient {
        Self.client(server: server, token: Self.token(for: replica), retry: retry, clock: clock)
    }

    func stop() async {
        admin.shutdown()
        await server.shutdown()
    }

    /// Creates `name` with `data`, retrying injected failures (a POST is not retried by the client on 5xx).
    func createInput(_ name: String, namespace: String, data: [String: String]) async throws {
        for attempt in 0..<50 {
            do {
                _ = try await admin.create(ConfigMap(metadata: ObjectMeta(name: name, namespace: namespace), data: data))
                return
            } catch let error as KubernetesError where error.isAlreadyExists {
                return
            } catch let error as KubernetesError {
                if attempt == 49 { throw error }
            }
        }
    }

    /// Sets `data` on `name`, re-reading on conflicts and retrying injected failures.
    func updateInput(_ name: String, namespace: String, data: [String: String]) async throws {
        for attempt in 0..<50 {
            do {
                var object = try await admin.get(ConfigMap.self, name: name, namespace: namespace)
                object.data = data
                _ = try await admin.update(object)
                return
            } catch let error as KubernetesError {
                if attempt == 49 { throw error }
            }
        }
    }

    /// A ConfigMap's data straight from the store: no request, so it is neither logged nor subject to faults.
    func storedData(_ name: String, namespace: String) async -> [String: String]? {
        guard let object = await server.storedObject(resource: "configmaps", namespace: namespace, name: name) else {
            return nil
        }
        guard case .object(let data)? = object["data"] else { return [:] }
        return data.compactMapValues(\.stringValue)
    }

    func storedAnnotation(_ name: String, namespace: String, _ key: String) async -> String? {
        await server.storedObject(resource: "configmaps", namespace: namespace, name: name)?["metadata"]?["annotations"]?[key]?
            .stringValue
    }
}

/// Who is inside a reconcile right now, across replicas: any moment with two replicas reconciling is recorded.
final class ReconcileActivity: Sendable {
    private struct State {
        var inFlight: [String: Int] = [:]
        var overlaps: [String] = []
        var reconciles: [String: Int] = [:]
    }
    private let state = Mutex(State())

    func begin(_ replica: String) {
        state.withLock { s in
            s.inFlight[replica, default: 0] += 1
            s.reconciles[replica, default: 0] += 1
            let active = s.inFlight.filter { $0.value > 0 }.keys.sorted()
            if active.count > 1 { s.overlaps.append(active.joined(separator: "+")) }
        }
    }

    func end(_ replica: String) { state.withLock { $0.inFlight[replica, default: 0] -= 1 } }

    var overlaps: [String] { state.withLock { $0.overlaps } }
    func reconciles(by replica: String) -> Int { state.withLock { $0.reconciles[replica, default: 0] } }
}

/// Copies each input ConfigMap's data into the same-named ConfigMap of `outputNamespace`, recording which replica
/// wrote it. The smallest level-triggered reconciler whose every write the server's log can attribute: reads come
/// from the informer cache, a converged object is not written again.
struct MirrorReconciler: Reconciler {
    static let writerAnnotation = "test.keyward.dev/writer"
    let identity: String
    let store: KubernetesStore
    let outputNamespace: String
    var activity: ReconcileActivity?

    func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        activity?.begin(identity)
        defer { activity?.end(identity) }
        guard let input = try await store.get(ConfigMap.self, namespace: key.namespace, name: key.name) else { return .done }
        let data = input.data ?? [:]
        let client = store.client
        do {
            var output = try await client.get(ConfigMap.self, name: key.name, namespace: outputNamespace)
            if output.data ?? [:] == data { return .done }
            output.data = data
            output.metadata.annotations[Self.writerAnnotation] = identity
            _ = try await client.update(output)
        } catch let error as KubernetesError where error.isNotFound {
            _ = try await client.create(ConfigMap(
                metadata: ObjectMeta(name: key.name, namespace: outputNamespace, annotations: [Self.writerAnnotation: identity]),
                data: data))
        }
        return .done
    }
}

/// One controller process in miniature: an informer over the input namespace, a queue, the mirror controller and,
/// optionally, leader election, all run by one ``Manager`` inside a ServiceGroup (so SIGTERM's graceful path can be
/// taken), and killed the way SIGKILL kills: the connection is severed and nothing runs any more.
final class Replica: Sendable {
    let identity: String
    let client: KubernetesClient
    let elector: LeaderElector?
    let health: HealthState
    let manager: Manager
    let queue: WorkQueue<ObjectKey>
    let leaderEvents: EventLog<LeaderElectionEvent>
    private let group: ServiceGroup
    private let running = Mutex<Task<Void, any Error>?>(nil)

    init(_ identity: String, cluster: ReplicaCluster, inputNamespace: String, outputNamespace: String,
         lease: LeaderElectionConfiguration?, activity: ReconcileActivity? = nil, concurrency: Int = 4,
         retry: RetryPolicy = RetryPolicy(maxAttempts: 3, backoff: Backoff(base: 0.01, cap: 0.05))) async {
        self.identity = identity
        let client = cluster.client(for: identity, retry: retry)
        let health = HealthState(leaderElectionEnabled: lease != nil)
        let leaderEvents = EventLog<LeaderElectionEvent>()
        let elector = lease.map {
            LeaderElector(configuration: $0, client: client, logger: quietLogger("leader-election"), health: health,
                          onEvent: { leaderEvents.append($0) })
        }
        let store = KubernetesStore(client: client)
        var configuration = InformerConfiguration(scope: .namespace(inputNamespace))
        configuration.errorBackoff = Backoff(base: 0.05, cap: 0.5, jitter: 0.5)
        let informer = Informer<ConfigMap>(client: client, configuration: configuration, logger: quietLogger("informer"))
        store.register(informer)
        let queue = WorkQueue<ObjectKey>(name: "mirror", clock: SystemClock(),
                                         rateLimiter: RateLimiterConfiguration(baseDelay: 0.005, maxDelay: 0.5, qps: 1000, burst: 1000))
        await informer.addHandler { event in
            await queue.add(ObjectKey(namespace: event.object.metadata.namespace, name: event.object.metadata.name))
        }
        let reconciler = MirrorReconciler(identity: identity, store: store, outputNamespace: outputNamespace, activity: activity)
        let controller = Controller(name: "mirror", queue: queue, reconciler: reconciler, concurrency: concurrency,
                                    logger: quietLogger("controller"))
        var manager = Manager(elector: elector, health: health, logger: quietLogger("manager"))
        manager.add(informer)
        manager.add(controller)
        self.client = client
        self.elector = elector
        self.health = health
        self.manager = manager
        self.queue = queue
        self.leaderEvents = leaderEvents
        self.group = ServiceGroup(configuration: .init(services: [manager], logger: quietLogger("service-group")))
    }

    /// Runs the manager in its ServiceGroup, as `keyward controller` does.
    func start() {
        let group = self.group
        running.withLock { $0 = Task { try await group.run() } }
    }

    /// SIGTERM: graceful shutdown of the group; returns how the run ended (`nil` if it did not end in time).
    func terminate(timeout: TimeInterval = 30) async -> Result<Void, any Error>? {
        await group.triggerGracefulShutdown()
        return await finished(timeout: timeout)
    }

    /// How the run ended, waiting at most `timeout` seconds (`nil` if it is still running).
    func finished(timeout: TimeInterval = 30) async -> Result<Void, any Error>? {
        guard let task = running.withLock({ $0 }) else { return nil }
        return await result(of: task, timeout: timeout)
    }

    /// SIGKILL: no goodbye. Requests in flight fail, no more are sent, queued work is dropped and every task is
    /// cancelled; the Lease is left as it was.
    func kill() async {
        client.shutdown()
        await queue.shutDown()
        running.withLock { $0?.cancel() }
    }

    /// Frees whatever a test left running (after `kill`, or when a test failed early).
    func dispose() async {
        await kill()
        _ = await finished(timeout: 10)
    }
}

/// The task's result, waiting at most `timeout` seconds of real time; `nil` when it did not finish in time (the
/// task is left running), so a hang becomes a failed expectation instead of a stuck test run.
func result<T: Sendable>(of task: Task<T, any Error>, timeout: TimeInterval) async -> Result<T, any Error>? {
    let first = FirstAnswer<Result<T, any Error>?>()
    Task { first.give(await task.result) }
    Task {
        try? await Task.sleep(for: .seconds(timeout))
        first.give(nil)
    }
    return await first.value()
}

/// Keeps the first value given and hands it to the one waiter.
private final class FirstAnswer<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var answered = false
        var waiter: CheckedContinuation<Value, Never>?
    }
    private let state = Mutex(State())

    func give(_ value: Value) {
        let waiter: CheckedContinuation<Value, Never>? = state.withLock { s in
            guard !s.answered else { return nil }
            s.answered = true
            s.value = value
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: value)
    }

    func value() async -> Value {
        await withCheckedContinuation { continuation in
            let ready: Value?? = state.withLock { s in
                if s.answered { return .some(s.value) }
                s.waiter = continuation
                return .none
            }
            if case .some(let value) = ready { continuation.resume(returning: value!) }
        }
    }
}

/// An append-only, thread-safe record of what happened, in order.
final class EventLog<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    func append(_ item: Element) { items.withLock { $0.append(item) } }
    var all: [Element] { items.withLock { $0 } }
}

/// Test loggers stay quiet unless something is badly wrong: expected failures (injected 500s) would flood the output.
func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: "keyward.test.\(label)")
    logger.logLevel = .critical
    return logger
}

/// A clock that stands still and records every wait it is asked for, waiting only briefly in real time, so a test
/// can read the exact length of a requested wait (a Retry-After) without spending it.
final class RecordingClock: WallClock {
    private let waits = Mutex<[TimeInterval]>([])
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var recordedWaits: [TimeInterval] { waits.withLock { $0 } }

    func sleep(until deadline: Date) async throws {
        waits.withLock { $0.append(deadline.timeIntervalSince(now)) }
        try await Task.sleep(for: .milliseconds(10))
    }
}

extension Array where Element == WriteRecord {
    /// The replicas that wrote, in order, with consecutive writes by the same replica collapsed: `["a", "b"]`
    /// means every write by a came before every write by b.
    var writerRuns: [String] {
        var runs: [String] = []
        for record in self where runs.last != record.user { runs.append(record.user) }
        return runs
    }
}
