import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCommands
import KeywardCore
import KeywardPKI
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A test API server with Keyward's CRDs whose clients are told apart by token: the operator (or each replica) has
/// its own user, so the server's write log attributes every write.
struct OperatorCluster {
    static let adminToken = "operator-suite-admin"
    let server: APIServer
    /// The test's client (user `admin`), with patient retries so setup survives injected faults.
    let admin: KubernetesClient
    let directory: TemporaryDirectory

    static func start(users: [String], namespaces: [String]) async throws -> OperatorCluster {
        var configuration = APIServerConfiguration()
        configuration.crdDirectories = [ExternalTool.repositoryRoot.appendingPathComponent("crds")]
        configuration.tokens = [adminToken: "admin"]
        for user in users { configuration.tokens[token(for: user)] = user }
        let server = try await APIServer.start(configuration)
        let admin = KubernetesClient(configuration: clientConfiguration(server, token: adminToken),
                                     retryPolicy: RetryPolicy(maxAttempts: 10, backoff: Backoff(base: 0.01, cap: 0.1)))
        // The controller's own namespace too, as in a real install: it keeps its values-hash key Secret there.
        let controllerNamespace = "keyward-system"
        for namespace in namespaces + (namespaces.contains(controllerNamespace) ? [] : [controllerNamespace]) {
            _ = try await admin.create(Namespace(name: namespace))
        }
        return OperatorCluster(server: server, admin: admin, directory: try TemporaryDirectory(prefix: "keyward-faults"))
    }

    static func token(for user: String) -> String { "\(user)-token" }

    static func clientConfiguration(_ server: APIServer, token: String) -> ClientConfiguration {
        ClientConfiguration(server: server.url, tls: TLSSettings(caPEM: Data(server.caCertificatePEM.utf8)),
                            credentials: .token(token), namespace: "default")
    }

    /// The client `keyward controller` would build for `user` (default retry policy).
    func client(for user: String, metrics: KeywardMetrics? = nil) -> KubernetesClient {
        let configuration = Self.clientConfiguration(server, token: Self.token(for: user))
        guard let metrics else { return KubernetesClient(configuration: configuration) }
        return KubernetesClient(configuration: configuration, observer: { metrics.observeAPIRequest($0) })
    }

    /// A kubeconfig file for `user`, for a `keyward controller` child process.
    func kubeconfig(for user: String) throws -> String {
        let url = directory.url.appendingPathComponent("kubeconfig-\(user)")
        try server.writeKubeconfig(to: url, token: Self.token(for: user))
        return url.path
    }

    func stop() async {
        admin.shutdown()
        await server.shutdown()
    }

    /// Creates `object`, retrying injected failures (POST is never retried by the client after a 5xx).
    func create<T: KubernetesResource>(_ object: T) async throws {
        for attempt in 0..<50 {
            do {
                _ = try await admin.create(object)
                return
            } catch let error as KubernetesError where error.isAlreadyExists {
                return
            } catch let error as KubernetesError {
                if attempt == 49 { throw error }
            }
        }
    }

    /// Applies `change` to a fresh read of a Certificate, retrying conflicts and injected failures.
    func edit(_ name: String, namespace: String, _ change: @Sendable (inout Certificate) -> Void) async throws {
        for attempt in 0..<50 {
            do {
                var certificate = try await admin.get(Certificate.self, name: name, namespace: namespace)
                change(&certificate)
                _ = try await admin.update(certificate)
                return
            } catch let error as KubernetesError {
                if attempt == 49 { throw error }
            }
        }
    }

    /// Writes by `user` to the given resources (plural names; subresources count as their resource).
    func writes(by user: String? = nil, resources: Set<String>, namespace: String) async -> [WriteRecord] {
        await server.writeLog().filter { record in
            (user == nil || record.user == user) && record.namespace == namespace
                && resources.contains(String(record.resource.split(separator: "/").first ?? ""))
        }
    }
}

/// Certificates the suite creates: one CA in the namespace and leaves it issues.
enum FaultWorkload {
    static let caName = "fault-ca"

    static func ca(_ namespace: String) -> Certificate {
        Certificate(metadata: ObjectMeta(name: caName, namespace: namespace),
                    spec: Certificate.Spec(secretName: "\(caName)-tls", issuer: .selfSigned, commonName: "Fault Suite CA",
                                           duration: "87600h", isCA: true))
    }

    static func leaf(_ name: String, _ namespace: String) -> Certificate {
        Certificate(metadata: ObjectMeta(name: name, namespace: namespace),
                    spec: Certificate.Spec(secretName: "\(name)-tls", issuer: .certificate(caName), commonName: "\(name).svc",
                                           dnsNames: ["\(name).svc"], duration: "2160h"))
    }
}

/// Everything that must hold once the operator has converged, as a list of problems (empty when all is well):
/// every Certificate Ready, its Secret present and owned, the key matching the certificate, the leaf chaining to the
/// CA, the Secret's revision equal to the status revision, and no Keyward Secret without a Certificate.
func convergenceProblems(_ cluster: OperatorCluster, namespace: String, expected: [String]) async throws -> [String] {
    let certificates = try await cluster.admin.listAll(Certificate.self, in: .namespace(namespace)).items
    let secrets = try await cluster.admin.listAll(Secret.self, in: .namespace(namespace),
                                                  options: ListOptions(labelSelector: KeywardLabels.ownedSelector, limit: 500)).items
    var problems: [String] = []
    let byName = Dictionary(certificates.map { ($0.metadata.name, $0) }, uniquingKeysWith: { a, _ in a })
    let secretsByName = Dictionary(secrets.map { ($0.metadata.name, $0) }, uniquingKeysWith: { a, _ in a })
    let caPEM = secretsByName["\(FaultWorkload.caName)-tls"]?.string("tls.crt") ?? ""
    let roots = Array(((try? PEMBundle.certificates(from: caPEM)) ?? []).prefix(1))
    for name in expected {
        guard let certificate = byName[name] else {
            problems.append("\(name): no Certificate")
            continue
        }
        guard certificate.status?.conditions[type: Certificate.ConditionType.ready]?.status == .true else {
            problems.append("\(name): not Ready")
            continue
        }
        guard let secret = secretsByName[certificate.spec.secretName] else {
            problems.append("\(name): no owned Secret \(certificate.spec.secretName)")
            continue
        }
        guard let chainPEM = secret.string("tls.crt"), let keyPEM = secret.string("tls.key"),
              let leaf = try? PEMBundle.certificates(from: chainPEM).first,
              let key = try? KeywardPKI.PrivateKey(pemEncoded: keyPEM)
        else {
            problems.append("\(name): the Secret does not hold a readable certificate and key")
            continue
        }
        if !key.matches(leaf) { problems.append("\(name): the key does not match the certificate") }
        if let revision = certificate.status?.revision,
           secret.metadata.annotations[KeywardAnnotations.revision] != String(revision) {
            problems.append("\(name): Secret revision \(secret.metadata.annotations[KeywardAnnotations.revision] ?? "none") ≠ status \(revision)")
        }
        if name != FaultWorkload.caName {
            let verdict = await ChainVerifier(trustRoots: roots).verify(leaf: leaf, at: Date())
            if !verdict.isValid { problems.append("\(name): \(verdict)") }
        }
    }
    // Certificate Secrets (SecretRotations keep their own, annotated with the rotation's name).
    let wanted = Set(certificates.map(\.spec.secretName))
    for secret in secrets where secret.metadata.annotations[KeywardAnnotations.secretRotationName] == nil {
        if !wanted.contains(secret.metadata.name) { problems.append("orphaned Secret \(secret.metadata.name)") }
        if let owner = secret.metadata.annotations[KeywardAnnotations.certificateName],
           byName[owner]?.spec.secretName != secret.metadata.name {
            problems.append("Secret \(secret.metadata.name) names \(owner), which does not use it")
        }
    }
    return problems
}

/// `keyward` built next to this test bundle (`swift build` builds it with the tests).
func keywardExecutable() throws -> String {
    let bundle = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                     ?? CommandLine.arguments[0])
    let candidates = [bundle.deletingLastPathComponent().appendingPathComponent("keyward").path,
                      ExternalTool.repositoryRoot.appendingPathComponent(".build/debug/keyward").path]
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw ExternalTool.Failure(description: "the keyward executable is missing (looked at \(candidates)): run `swift build --product keyward`")
    }
    return found
}

/// A `keyward controller` child process with its output in files; killed with SIGKILL or stopped with SIGTERM.
final class ControllerProcess: Sendable {
    private let process: Mutex<Process>
    let logPath: String
    let pid: Int32

    init(kubeconfig: String, logPath: String, extraArguments: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try keywardExecutable())
        process.arguments = ["controller", "--kubeconfig", kubeconfig, "--metrics-address", "127.0.0.1:0", "--acme-http01-address", "127.0.0.1:0",
                             "--log-format", "json", "--log-level", "debug"] + extraArguments
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.runSerialized()
        self.logPath = logPath
        self.pid = process.processIdentifier
        self.process = Mutex(process)
    }

    var isRunning: Bool { process.withLock { $0.isRunning } }

    /// SIGKILL: the process gets no chance to release anything.
    func kill() async {
        _ = Foundation.kill(pid, SIGKILL)
        _ = await within(30) { !self.isRunning }
    }

    /// SIGTERM and the exit status (nil if it did not exit within `timeout` seconds; it is then killed).
    func terminate(timeout: TimeInterval = 30) async -> Int32? {
        _ = Foundation.kill(pid, SIGTERM)
        guard await within(timeout, { !self.isRunning }) else {
            await kill()
            return nil
        }
        return process.withLock { $0.terminationStatus }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

/// The operator in this process (OperatorAssembly, as `keyward controller` wires it), run in a ServiceGroup so it
/// stops the way SIGTERM stops it.
final class InProcessOperator: Sendable {
    let metrics: KeywardMetrics
    let health: HealthState
    let client: KubernetesClient
    let elector: LeaderElector?
    let assembly: OperatorAssembly
    private let group: ServiceGroup
    let http: OperatorHTTPServer?
    private let running = Mutex<Task<Void, any Error>?>(nil)

    init(_ cluster: OperatorCluster, user: String, scope: NamespaceSelector, leaderElection: Bool = false,
         serveHTTP: Bool = false, maxIssuanceRate: Double = 100, namespaces: [String] = [],
         manualTriggerInterval: TimeInterval = OperatorAssembly.defaultManualTriggerInterval) async {
        let metrics = KeywardMetrics()
        let health = HealthState(leaderElectionEnabled: leaderElection)
        let client = cluster.client(for: user, metrics: metrics)
        var logger = Logger(label: "keyward.test.operator")
        logger.logLevel = .critical
        let elector = leaderElection ? LeaderElector(
            // Generous: a leader starved by a loaded machine must not lose the Lease in the middle of a test.
            configuration: LeaderElectionConfiguration(namespace: "keyward-system", leaseDuration: 30, renewDeadline: 20,
                                                       retryPeriod: 1),
            client: client, logger: logger, metrics: metrics, health: health) : nil
        let assembly = OperatorAssembly(client: client, scope: scope, namespaces: namespaces,
                                        manualTriggerInterval: manualTriggerInterval, maxIssuanceRate: maxIssuanceRate,
                                        metrics: metrics)
        let built = await assembly.build(elector: elector, health: health)
        var services: [any Service] = [built.manager] + built.services.map(\.service)
        var http: OperatorHTTPServer?
        if serveHTTP {
            let server = OperatorHTTPServer(address: MetricsAddress(host: "127.0.0.1", port: 0), metrics: metrics, health: health,
                                            routes: built.routes, logger: logger)
            services.append(server)
            http = server
        }
        self.metrics = metrics
        self.health = health
        self.client = client
        self.elector = elector
        self.assembly = assembly
        self.http = http
        group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
    }

    func start() {
        let group = self.group
        running.withLock { $0 = Task { try await group.run() } }
    }

    /// Graceful shutdown; true when the group ended within `timeout` seconds.
    @discardableResult
    func stop(timeout: TimeInterval = 30) async -> Bool {
        await group.triggerGracefulShutdown()
        let task = running.withLock { $0 }
        let done = Mutex(false)
        let watcher = Task {
            _ = await task?.result
            done.withLock { $0 = true }
        }
        let ended = await within(timeout) { done.withLock { $0 } }
        if !ended { task?.cancel() }
        watcher.cancel()
        client.shutdown()
        return ended
    }
}

/// The Prometheus text exposition, parsed: samples by name and labels, and each family's TYPE.
struct Exposition {
    struct Sample: Hashable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Malformed: Error, CustomStringConvertible {
        var line: String
        var description: String { "malformed exposition line: \(line)" }
    }

    private(set) var samples: [Sample] = []
    private(set) var types: [String: String] = [:]

    init(_ text: String) throws {
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ")
                if parts.count >= 4, parts[1] == "TYPE" { types[String(parts[2])] = String(parts[3]) }
                continue
            }
            samples.append(try Self.sample(line))
        }
    }

    /// The value of the one sample named `name` whose labels include `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = samples.filter { sample in
            sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value }
        }
        return matching.count == 1 ? matching[0].value : nil
    }

    func all(_ name: String) -> [Sample] { samples.filter { $0.name == name } }

    private static func sample(_ line: String) throws -> Sample {
        var name = ""
        var labels: [String: String] = [:]
        var index = line.startIndex
        while index < line.endIndex, line[index] != "{", line[index] != " " {
            name.append(line[index])
            index = line.index(after: index)
        }
        guard !name.isEmpty, index < line.endIndex else { throw Malformed(line: line) }
        if line[index] == "{" {
            index = line.index(after: index)
            while index < line.endIndex, line[index] != "}" {
                var key = ""
                while index < line.endIndex, line[index] != "=" {
                    if line[index] != "," && line[index] != " " { key.append(line[index]) }
                    index = line.index(after: index)
                }
                index = line.index(after: index)
                guard index < line.endIndex, line[index] == "\"" else { throw Malformed(line: line) }
                index = line.index(after: index)
                var value = ""
                while index < line.endIndex, line[index] != "\"" {
                    if line[index] == "\\" {
                        index = line.index(after: index)
                        guard index < line.endIndex else { throw Malformed(line: line) }
                        value.append(line[index] == "n" ? "\n" : line[index])
                    } else {
                        value.append(line[index])
                    }
                    index = line.index(after: index)
                }
                guard index < line.endIndex else { throw Malformed(line: line) }
                index = line.index(after: index)
                labels[key] = value
                while index < line.endIndex, line[index] == "," || line[index] == " " { index = line.index(after: index) }
            }
            guard index < line.endIndex else { throw Malformed(line: line) }
            index = line.index(after: index)
        }
        let rest = line[index...].split(separator: " ")
        guard let first = rest.first else { throw Malformed(line: line) }
        let value: Double? = switch first {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(first)
        }
        guard let value else { throw Malformed(line: line) }
        return Sample(name: name, labels: labels, value: value)
    }
}
