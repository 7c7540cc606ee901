import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import RotationStrategies
@testable import SecretRotationController
import Synchronization
import Testing

/// Captures Events so tests can assert on reasons and check that no secret value leaks into messages.
actor RecordingEventSink: EventSink {
    private(set) var events: [Event] = []
    func create(_ event: Event) async throws(EventSinkError) { events.append(event) }
    func update(_ event: Event) async throws(EventSinkError) { events.append(event) }
    func reasons(for name: String) -> [String] { events.filter { $0.involvedObject.name == name }.compactMap(\.reason) }
    func messages() -> [String] { events.compactMap(\.message) }
}

/// apps/v1 Deployment as a test writes it: the whole spec as JSON (the operator's model keeps only what tracking
/// reads).
struct DeploymentManifest: KubernetesResource {
    static let group = "apps"
    static let version = "v1"
    static let kind = "Deployment"
    static let plural = "deployments"
    static let isNamespaced = true
    var metadata: ObjectMeta
    var spec: JSONValue
}

/// A restart in a test: the process "dies" after a chosen write; every later write fails and nothing is kept.
struct Killed: Error {}

/// A store that forwards to another and can be made to die after a write matching a predicate.
final class CrashingStore: ResourceStore {
    enum Write: Sendable { case secret(Secret), status(SecretRotation), other }
    private let base: any ResourceStore
    private let dieAfter: @Sendable (Write, _ lastPhase: RotationPhase?) -> Bool
    private let state = Mutex<(dead: Bool, lastPhase: RotationPhase?)>((false, nil))

    init(_ base: any ResourceStore, dieAfter: @escaping @Sendable (Write, RotationPhase?) -> Bool) {
        self.base = base
        self.dieAfter = dieAfter
    }

    var isDead: Bool { state.withLock { $0.dead } }

    private func write<T: KubernetesResource>(_ object: T, _ body: () async throws -> T) async throws -> T {
        if isDead { throw Killed() }
        let written = try await body()
        let kind: Write = if let s = written as? Secret { .secret(s) }
            else if let r = written as? SecretRotation { .status(r) } else { .other }
        let die = state.withLock { s in
            let before = s.lastPhase
            if case .status(let r) = kind { s.lastPhase = r.status?.phase }
            if dieAfter(kind, before) { s.dead = true }
            return s.dead
        }
        if die { throw Killed() }
        return written
    }

    func get<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws -> T? {
        try await base.get(type, namespace: namespace, name: name)
    }
    func list<T: KubernetesResource>(_ type: T.Type, namespace: String?, labels: [String: String]) async throws -> [T] {
        try await base.list(type, namespace: namespace, labels: labels)
    }
    func create<T: KubernetesResource>(_ object: T) async throws -> T { try await write(object) { try await base.create(object) } }
    func update<T: KubernetesResource>(_ object: T) async throws -> T { try await write(object) { try await base.update(object) } }
    func updateStatus<T: HasStatusSubresource>(_ object: T) async throws -> T {
        try await write(object) { try await base.updateStatus(object) }
    }
    func delete<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws {
        if isDead { throw Killed() }
        try await base.delete(type, namespace: namespace, name: name)
    }
}

/// A SecretRotation reconciler against the test API server, with a manual clock.
struct Harness {
    let server: APIServer
    let client: KubernetesClient
    let store: KubernetesStore
    let clock: ManualClock
    let sink: RecordingEventSink
    let events: EventRecorder
    let metrics: KeywardMetrics
    /// The tests' services listen on 127.0.0.1, which the default egress policy denies: allowed explicitly, as an
    /// operator would with `--egress-allow-cidr 127.0.0.1/32`.
    let probe = HTTPVerificationProbe(egress: Harness.loopbackEgress)
    static let loopbackEgress = EgressPolicy(allow: [try! CIDR(parsing: "127.0.0.1/32")])
    let namespace = "default"

    static func with(rollout: RolloutSimulation = .off, extraCRDs: [URL] = [],
                     _ body: (Harness) async throws -> Void) async throws {
        let h = try await Harness(rollout: rollout, extraCRDs: extraCRDs)
        do { try await body(h) } catch {
            await h.close()
            throw error
        }
        await h.close()
    }

    init(rollout: RolloutSimulation, extraCRDs: [URL] = []) async throws {
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_900_000_000))
        var configuration = APIServerConfiguration()
        configuration.crdDirectories = [ExternalTool.repositoryRoot.appendingPathComponent("crds")] + extraCRDs
        configuration.rollout = rollout
        configuration.clock = clock  // creationTimestamps on the same timeline as the reconciler
        server = try await APIServer.start(configuration)
        client = KubernetesClient(configuration: ClientConfiguration(
            server: server.url, tls: TLSSettings(caPEM: Data(server.caCertificatePEM.utf8)),
            credentials: .token(server.token), namespace: "default"))
        store = KubernetesStore(client: client)
        self.clock = clock
        sink = RecordingEventSink()
        events = EventRecorder(sink: sink, clock: clock)
        metrics = KeywardMetrics()
        // Every phase reported (at 0) besides the current one.
        _ = metrics.family(SecretRotationMetrics.self) { SecretRotationMetrics(metrics: $0, phases: RotationPhase.allCases.map(\.rawValue)) }
    }

    func close() async {
        client.shutdown()
        await server.shutdown()
    }

    /// A fresh reconciler: a new instance is what a restarted controller is.
    func reconciler(store: (any ResourceStore)? = nil) -> SecretRotationReconciler {
        SecretRotationReconciler(store: store ?? self.store, events: events, clock: clock, probe: probe, metrics: metrics)
    }

    @discardableResult
    func create(_ name: String, _ spec: SecretRotation.Spec, annotations: [String: String] = [:]) async throws -> SecretRotation {
        try await store.create(SecretRotation(metadata: ObjectMeta(name: name, namespace: namespace,
                                                                   annotations: annotations), spec: spec))
    }

    func rotation(_ name: String) async throws -> SecretRotation {
        try #require(try await store.get(SecretRotation.self, namespace: namespace, name: name))
    }

    func status(_ name: String) async throws -> SecretRotation.Status {
        try #require(try await rotation(name).status)
    }

    func data(_ secret: String) async throws -> [String: Data] {
        try #require(try await store.get(Secret.self, namespace: namespace, name: secret)).data
    }

    func edit(_ name: String, _ change: (inout SecretRotation) -> Void) async throws {
        var r = try await rotation(name)
        change(&r)
        _ = try await store.update(r)
    }

    @discardableResult
    func reconcile(_ name: String, with reconciler: SecretRotationReconciler? = nil) async throws -> ReconcileResult {
        try await (reconciler ?? self.reconciler()).reconcile(ObjectKey(namespace: namespace, name: name))
    }

    /// Reconciles until the rotation is Idle or Failed, completing every started consumer rollout in between (the
    /// rollout simulator is off: tests play the Deployment controller). Bounded.
    func settle(_ name: String, completeRollouts: Bool = true) async throws {
        for _ in 0..<30 {
            try await reconcile(name)
            let phase = try await status(name).phase
            if phase == .idle || phase == .failed { return }
            if completeRollouts { try await completeAllRollouts() }
        }
        Issue.record("\(name) did not settle")
    }

    // MARK: Workloads

    func createDeployment(_ name: String, usingSecret secret: String?, replicas: Int = 2,
                          annotations: [String: String] = [:]) async throws {
        var container: JSONObject = ["name": "app", "image": "example/app:1"]
        if let secret { container["envFrom"] = [["secretRef": ["name": .string(secret)]]] }
        let spec: JSONValue = [
            "replicas": .int(Int64(replicas)),
            "selector": ["matchLabels": ["app": .string(name)]],
            "template": ["metadata": ["labels": ["app": .string(name)]], "spec": ["containers": [.object(container)]]],
        ]
        _ = try await client.create(DeploymentManifest(metadata: ObjectMeta(name: name, namespace: namespace, annotations: annotations),
                                                       spec: spec))
        try await completeRollout(name)
    }

    /// Plays the Deployment controller: the current template is fully rolled out.
    func completeRollout(_ name: String) async throws {
        let d = try await client.get(Deployment.self, name: name, namespace: namespace)
        let replicas = Int64(d.spec.replicas ?? 1)
        let status: JSONValue = ["status": [
            "observedGeneration": .int(d.metadata.generation ?? 1), "replicas": .int(replicas),
            "updatedReplicas": .int(replicas), "readyReplicas": .int(replicas), "availableReplicas": .int(replicas),
        ]]
        _ = try await client.patch(Deployment.self, name: name, namespace: namespace, patch: .merge(status),
                                   subresource: "status")
    }

    func deployments() async throws -> [Deployment] { try await store.list(Deployment.self, namespace: namespace) }

    /// Completes the rollout of every Deployment whose template changed since it last rolled out.
    func completeAllRollouts() async throws {
        for d in try await deployments() where !d.isRolledOut { try await completeRollout(d.metadata.name) }
    }

    func stamp(_ deployment: String, secret: String) async throws -> String? {
        let d = try await client.get(Deployment.self, name: deployment, namespace: namespace)
        return d.template.metadata?.annotations?[KeywardAnnotations.podTemplateRevision(secretName: secret)]
    }

    /// Polls (real time, bounded) until `condition` holds; the assertion is the condition, not the wait.
    func eventually(timeout: TimeInterval = 10, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }
}

extension SecretRotation.Spec {
    static func db(_ strategy: SecretRotation.StrategyType, secret: String = "db", verifyURL: String? = nil,
                   consumers: SecretRotation.Consumers = .init(), rollback: SecretRotation.Rollback = .init(),
                   migrationTimeout: DurationString = "5m") -> SecretRotation.Spec {
        SecretRotation.Spec(
            secretName: secret,
            keys: [SecretRotation.Key(name: "password", generator: .password())],
            interval: "1h",
            strategy: SecretRotation.Strategy(type: strategy, migrationTimeout: migrationTimeout),
            verify: verifyURL.map {
                SecretRotation.Verify(http: SecretRotation.HTTPCheck(
                    url: $0, headers: [SecretRotation.HTTPHeader(name: "Authorization", value: "Bearer {{ candidate.password }}")],
                    timeout: "5s"))
            },
            rollback: rollback, consumers: consumers)
    }
}

extension Dictionary where Key == String, Value == Data {
    func text(_ key: String) -> String? { self[key].map { String(decoding: $0, as: UTF8.self) } }
}
