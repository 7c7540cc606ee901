import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Logging
import Synchronization

/// The test API server with Keyward's CRDs and two identities: the bench (`bench`, which creates work and watches
/// for results) and the controller (`keyward`), so the request log separates the controller's load from ours.
struct BenchCluster {
    static let benchToken = "keyward-bench-token"
    static let controllerToken = "keyward-controller-token"
    static let controllerUser = "keyward"
    static let namespace = "bench"

    let server: APIServer
    let client: KubernetesClient

    static func start(namespaces: [String] = [namespace]) async throws -> BenchCluster {
        var configuration = APIServerConfiguration()
        configuration.tokens = [benchToken: "admin", controllerToken: controllerUser]
        configuration.crdDirectories = [Paths.crds]
        // Enough watch history that no informer in a 10,000-object run is forced to relist by the bench itself.
        configuration.historyLimit = 200_000
        // HTTP/1.1 unless KEYWARD_BENCH_HTTP2=1: the in-process server shares the two cores, and its HTTP/2 framing
        // costs more CPU than loopback connections save (docs/benchmarks.md), which would move every figure.
        configuration.http2 = ProcessInfo.processInfo.environment["KEYWARD_BENCH_HTTP2"] == "1"
        let server = try await APIServer.start(configuration)
        let client = KubernetesClient(configuration: clientConfiguration(for: server, token: benchToken),
                                      retryPolicy: RetryPolicy(maxAttempts: 8, backoff: Backoff(base: 0.05, cap: 1)))
        for namespace in namespaces {
            _ = try await client.create(Namespace(name: namespace))
        }
        return BenchCluster(server: server, client: client)
    }

    static func clientConfiguration(for server: APIServer, token: String) -> ClientConfiguration {
        ClientConfiguration(server: server.url, tls: TLSSettings(caPEM: Data(server.caCertificatePEM.utf8)),
                            credentials: .token(token), namespace: namespace)
    }

    /// The controller's client, as `keyward controller` builds it (default retry policy), feeding `metrics`.
    func controllerClient(metrics: KeywardMetrics? = nil) -> KubernetesClient {
        let configuration = Self.clientConfiguration(for: server, token: Self.controllerToken)
        guard let metrics else { return KubernetesClient(configuration: configuration) }
        return KubernetesClient(configuration: configuration, observer: { metrics.observeAPIRequest($0) })
    }

    func writeControllerKubeconfig(to url: URL) throws {
        try server.writeKubeconfig(to: url, token: Self.controllerToken, namespace: Self.namespace)
    }

    func stop() async {
        client.shutdown()
        await server.shutdown()
    }

    /// The controller's requests since the last `clearLogs()`.
    func controllerRequests() async -> [KubeAPIServer.RequestRecord] {
        await server.requestLog().filter { $0.user == Self.controllerUser }
    }

    func controllerWrites() async -> [WriteRecord] {
        await server.writeLog().filter { $0.user == Self.controllerUser }
    }

    // MARK: Creating work

    /// Runs `body` for every element with at most `width` in flight.
    static func forEach<T: Sendable>(_ items: [T], width: Int = 16, _ body: @escaping @Sendable (T) async throws -> Void)
        async throws
    {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var iterator = items.makeIterator()
            for _ in 0..<width {
                guard let item = iterator.next() else { break }
                group.addTask { try await body(item) }
            }
            while try await group.next() != nil {
                if let item = iterator.next() { group.addTask { try await body(item) } }
            }
        }
    }

    func create(_ certificates: [Certificate]) async throws {
        let client = self.client
        try await Self.forEach(certificates) { _ = try await client.create($0) }
    }

    /// `count` Secrets Keyward must ignore (no Keyward label), each with ~2 KiB of data, in `namespace`.
    func createUnrelatedSecrets(_ count: Int, namespace: String) async throws {
        let client = self.client
        let payload = Data((0..<1536).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 17) })
        try await Self.forEach(Array(0..<count), width: 32) { i in
            let secret = Secret(metadata: ObjectMeta(name: "unrelated-\(i)", namespace: namespace,
                                                     labels: ["app": "noise-\(i % 50)"]),
                                data: ["config.json": payload, "token": Data("token-\(i)".utf8)])
            _ = try await client.create(secret)
        }
    }
}

/// Certificates the benches create.
enum Workload {
    static let caName = "bench-ca"

    static func ca(namespace: String = BenchCluster.namespace, algorithm: Certificate.PrivateKey.Algorithm = .ecdsa,
                   size: Int? = nil) -> Certificate {
        Certificate(metadata: ObjectMeta(name: caName, namespace: namespace),
                    spec: Certificate.Spec(secretName: "\(caName)-tls", issuer: .selfSigned, commonName: "Keyward Bench CA",
                                           duration: "87600h", isCA: true,
                                           privateKey: Certificate.PrivateKey(algorithm: algorithm, size: size)))
    }

    static func leaf(_ index: Int, prefix: String = "leaf", namespace: String = BenchCluster.namespace,
                     algorithm: Certificate.PrivateKey.Algorithm = .ecdsa, size: Int? = nil,
                     duration: DurationString = "2160h") -> Certificate {
        let name = "\(prefix)-\(index)"
        return Certificate(metadata: ObjectMeta(name: name, namespace: namespace),
                           spec: Certificate.Spec(secretName: "\(name)-tls", issuer: .certificate(caName),
                                                  commonName: "\(name).bench.svc", dnsNames: ["\(name).bench.svc"],
                                                  duration: duration,
                                                  privateKey: Certificate.PrivateKey(algorithm: algorithm, size: size)))
    }
}

/// What the bench's tracker reads of a Certificate: its name, Ready, revision and validity. The tracker runs in the
/// process whose throughput is measured, so it decodes only these, not the whole object (which made the observer a
/// tenth of the issuance run's CPU).
struct ObservedCertificate: KubernetesResource {
    static let group = Certificate.group
    static let version = Certificate.version
    static let kind = Certificate.kind
    static let plural = Certificate.plural
    static let isNamespaced = Certificate.isNamespaced

    struct Condition: Codable, Sendable {
        var type: String
        var status: String
    }

    struct Status: Codable, Sendable {
        var conditions: [Condition]?
        var revision: Int?
        var notBefore: Date?
        var notAfter: Date?
    }

    var metadata: ObjectMeta
    var status: Status?

    var isReady: Bool { status?.conditions?.contains { $0.type == Certificate.ConditionType.ready && $0.status == "True" } ?? false }
}

/// Watches Certificates as the bench user and remembers when each first became Ready and when its revision last
/// changed, on the monotonic clock.
final class CertificateTracker: Sendable {
    struct Entry: Sendable {
        var seenAt: ContinuousClock.Instant?
        var readyAt: ContinuousClock.Instant?
        var revision: Int?
        var revisionAt: ContinuousClock.Instant?
        var notBefore: Date?
        var notAfter: Date?
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// Kept as entries change: the waits poll it every 10 ms, and counting 50,000 entries each time made the bench
    /// itself a super-linear load on the cores the controller is measured on.
    private let ready = Mutex(0)
    private let informer: Informer<ObservedCertificate>
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(client: KubernetesClient, namespace: String = BenchCluster.namespace) async {
        var configuration = InformerConfiguration(scope: .namespace(namespace))
        // Never (0 would end Informer.run at once: its resync loop returns immediately and the group cancels the rest).
        configuration.resyncInterval = 1e9
        informer = Informer<ObservedCertificate>(client: client, configuration: configuration,
                                         logger: Logger(label: "keyward.bench.tracker"))
        await informer.addHandler { [self] event in
            let certificate = event.object
            guard certificate.metadata.namespace == namespace else { return }
            let now = ContinuousClock.now
            let ready = certificate.isReady
            let revision = certificate.status?.revision
            let change = self.entries.withLock { all -> Int in
                var change = 0
                var entry = all[certificate.metadata.name] ?? Entry(seenAt: now)
                if ready, entry.readyAt == nil {
                    entry.readyAt = now
                    change += 1
                }
                if let revision, revision != entry.revision {
                    entry.revision = revision
                    entry.revisionAt = now
                    entry.notBefore = certificate.status?.notBefore
                    entry.notAfter = certificate.status?.notAfter
                }
                if case .deleted = event {
                    if entry.readyAt != nil { change -= 1 }
                    all[certificate.metadata.name] = nil
                } else {
                    all[certificate.metadata.name] = entry
                }
                return change
            }
            if change != 0 { self.ready.withLock { $0 += change } }
        }
    }

    func start() async {
        let informer = self.informer
        task.withLock { $0 = Task { await informer.run() } }
        await informer.waitForSync()
    }

    func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
    }

    func entry(_ name: String) -> Entry? { entries.withLock { $0[name] } }

    var readyCount: Int { ready.withLock { $0 } }

    func count(where predicate: (Entry) -> Bool) -> Int { entries.withLock { $0.values.filter(predicate).count } }

    var snapshot: [String: Entry] { entries.withLock { $0 } }

    /// Waits until `condition` holds, checking every 10 ms, for at most `timeout` seconds.
    @discardableResult
    func wait(timeout: TimeInterval, _ condition: (CertificateTracker) -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            if condition(self) { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition(self)
    }
}

/// Where the bench finds the repository's files.
enum Paths {
    /// The repository root, from this source file's location (Sources/keyward-bench/BenchCluster.swift).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let crds = repositoryRoot.appendingPathComponent("crds")

    /// This executable; started again as `keyward-bench keyward …` it runs the `keyward` command line.
    static var selfExecutable: URL {
        URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
    }

    static func scratchDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("keyward-bench-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
