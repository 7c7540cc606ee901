import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import KeywardCore
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization

/// A Kubernetes API server for tests and development: HTTPS on loopback with a CA generated at start, bearer
/// tokens (and optionally client certificates), built-in kinds, CRDs, watches, discovery, Tables and fault
/// injection. Real clients — this project's and `kubectl` — talk to it as to kube-apiserver.
///
/// ```swift
/// let server = try await APIServer.start(APIServerConfiguration())
/// defer { Task { await server.shutdown() } }
/// try server.writeKubeconfig(to: path)   // for kubectl
/// ```
public final class APIServer: Sendable {
    /// `https://127.0.0.1:<port>`
    public let url: URL
    public let port: Int
    /// The generated CA that signed the serving certificate (trust it, or use ``kubeconfigYAML``).
    public let caCertificatePEM: String
    /// A valid bearer token: the one mapped to `admin`, otherwise the first configured token.
    public let token: String
    /// Fault injection: failed requests, conflicts, delays, cut watches, expired resourceVersions.
    public let faults: FaultInjector

    let store: ObjectStore
    private let journal: RequestJournal
    private let identity: ServerIdentity
    private let clock: any WallClock
    private let tokens: [String: String]
    private let run: Task<Void, Never>
    private let group: ServiceGroup
    private let connections: TrackedConnections
    private let stopped = Mutex(false)

    private init(url: URL, port: Int, identity: ServerIdentity, token: String, tokens: [String: String],
                 store: ObjectStore, journal: RequestJournal, faults: FaultInjector, clock: any WallClock,
                 group: ServiceGroup, run: Task<Void, Never>, connections: TrackedConnections) {
        self.connections = connections
        self.url = url
        self.port = port
        self.identity = identity
        self.caCertificatePEM = identity.caCertificatePEM
        self.token = token
        self.tokens = tokens
        self.store = store
        self.journal = journal
        self.faults = faults
        self.clock = clock
        self.group = group
        self.run = run
    }

    // MARK: Lifecycle

    /// Generates TLS material, installs the CRDs of ``APIServerConfiguration/crdDirectories`` and listens.
    /// Returns once the port is bound.
    public static func start(_ configuration: APIServerConfiguration = APIServerConfiguration()) async throws -> APIServer {
        guard ["127.0.0.1", "::1", "localhost"].contains(configuration.host) else {
            throw APIServerError.notLoopback(host: configuration.host)
        }
        var logger = Logger(label: "keyward.apiserver")
        logger.logLevel = configuration.logLevel

        let identity: ServerIdentity
        let tls: TLSConfiguration
        do {
            // Real time, not the injected clock: TLS peers check validity against their own clocks.
            identity = try ServerIdentity(now: Date())
            let clientTrust: [NIOSSLCertificate]? = switch configuration.clientCA {
            case nil: nil
            case .serverCA?: try NIOSSLCertificate.fromPEMBytes(Array(identity.caCertificatePEM.utf8))
            case .pem(let pem)?: try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
            }
            tls = try identity.tlsConfiguration(clientTrust: clientTrust)
        } catch {
            throw APIServerError.tls(reason: "\(error)")
        }

        let store = ObjectStore(configuration: configuration, logger: logger)
        for directory in configuration.crdDirectories {
            try await installCRDs(from: directory, into: store)
        }
        await store.start(bookmarkInterval: configuration.bookmarkInterval)

        let journal = RequestJournal()
        let connections = TrackedConnections()
        let faults = FaultInjector(store: store)
        let token = configuration.tokens.first { $0.value == "admin" }?.key ?? configuration.tokens.keys.sorted().first ?? ""
        let handler = APIRequestHandler(
            store: store, journal: journal, connections: connections, faults: faults,
            authenticator: Authenticator(tokens: configuration.tokens, acceptsClientCertificates: configuration.clientCA != nil),
            clock: configuration.clock, aggregatedDiscovery: configuration.aggregatedDiscovery,
            adminUsers: ["admin", configuration.tokens[token] ?? "admin"], logger: logger)

        // Hummingbird reports connections cut at shutdown as errors; only show its logs when debugging.
        var httpLogger = logger
        httpLogger.logLevel = configuration.logLevel <= .debug ? configuration.logLevel : .critical
        let (bound, boundContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = Application(
            responder: handler,
            server: configuration.http2
                ? HTTPServerBuilder { responder in
                    try APIServerChannel(tlsConfiguration: tls, connections: connections, responder: responder)
                }
                : try .tls(.http1(), tlsConfiguration: tls),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port),
                                                    serverName: nil),
            onServerRunning: { channel in
                boundContinuation.yield(channel.localAddress?.port ?? 0)
                boundContinuation.finish()
            },
            logger: httpLogger)
        let failure = Mutex<String?>(nil)
        // Stopped by graceful shutdown, never by cancelling the serving task: cancelling it while accepted
        // connections are still queued traps in NIO ("Deinited NIOAsyncWriter without calling finish()").
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [application], gracefulShutdownSignals: [], cancellationSignals: [], logger: httpLogger))
        let run = Task {
            do { try await group.run() } catch { failure.withLock { $0 = "\(error)" } }
            boundContinuation.finish()
        }
        var iterator = bound.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            await store.shutdown()
            await group.triggerGracefulShutdown()
            await run.value
            throw APIServerError.listenFailed(address: "\(configuration.host):\(configuration.port)",
                                              reason: failure.withLock { $0 } ?? "the listener did not start")
        }
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        logger.info("serving", metadata: ["url": "https://\(host):\(port)"])
        return APIServer(url: URL(string: "https://\(host):\(port)")!, port: port, identity: identity, token: token,
                         tokens: configuration.tokens, store: store, journal: journal, faults: faults,
                         clock: configuration.clock, group: group, run: run, connections: connections)
    }

    /// Closes every watch, stops background work and the listener. Safe to call more than once.
    public func shutdown() async {
        let first = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        if first {
            await store.shutdown()
            await group.triggerGracefulShutdown()
            // Requests in flight may finish (for at most a second); then the connections still open are closed: an
            // idle HTTP/2 one would wait for a PING answer its client may never send.
            var waited = 0
            while connections.requestsInFlight > 0, waited < 100 {
                try? await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            connections.closeAll()
        }
        await run.value
    }

    // MARK: Logs

    /// Every request answered since start (or the last ``clearLogs()``), oldest first.
    public func requestLog() async -> [RequestRecord] { await journal.requests }

    /// Every accepted mutating request, oldest first.
    public func writeLog() async -> [WriteRecord] { await journal.writes }

    public func clearLogs() async { await journal.clear() }

    // MARK: Inspection

    /// How many watch streams are open (lets a test wait until an informer is watching).
    public func openWatchCount() async -> Int { await store.openWatchCount }

    /// The stored object, straight from the store (no request is logged). `group` is "" for the core group.
    public func storedObject(group: String = "", resource: String, namespace: String? = nil, name: String) async -> JSONValue? {
        await store.storedObject(group: group, resource: resource, namespace: namespace, name: name)
    }

    /// Plays the Job controller: the batch/v1 Job finished (`succeeded`) or failed, with the status the real
    /// controller writes. Returns false when there is no such Job.
    @discardableResult
    public func finishJob(namespace: String, name: String, succeeded: Bool) async -> Bool {
        await store.finishJob(namespace: namespace, name: name, succeeded: succeeded)
    }

    // MARK: Credentials

    /// A client certificate for `user` (CN) in `groups` (O), signed by the server's CA. Accepted when
    /// ``APIServerConfiguration/clientCA`` is ``ClientCertificateAuthority/serverCA``.
    public func issueClientCertificate(user: String, groups: [String] = []) throws -> ClientCertificate {
        let issued = try identity.issueClientCertificate(user: user, groups: groups, now: Date())
        return ClientCertificate(certificatePEM: issued.certificatePEM, privateKeyPEM: issued.privateKeyPEM)
    }

    /// A kubeconfig for ``token`` with the CA inlined; `namespace` becomes the context's default.
    public var kubeconfigYAML: String { kubeconfigYAML() }

    public func kubeconfigYAML(token: String? = nil, namespace: String = "default") -> String {
        kubeconfig(user: "    token: \(token ?? self.token)\n", namespace: namespace)
    }

    /// A kubeconfig authenticating with a client certificate instead of a token.
    public func kubeconfigYAML(clientCertificate: ClientCertificate, namespace: String = "default") -> String {
        let cert = Data(clientCertificate.certificatePEM.utf8).base64EncodedString()
        let key = Data(clientCertificate.privateKeyPEM.utf8).base64EncodedString()
        return kubeconfig(user: "    client-certificate-data: \(cert)\n    client-key-data: \(key)\n", namespace: namespace)
    }

    /// Writes ``kubeconfigYAML`` (owner-only permissions: it holds a credential).
    public func writeKubeconfig(to url: URL, token: String? = nil, namespace: String = "default") throws {
        let data = Data(kubeconfigYAML(token: token, namespace: namespace).utf8)
        try data.write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    private func kubeconfig(user: String, namespace: String) -> String {
        let ca = Data(caCertificatePEM.utf8).base64EncodedString()
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: keyward-test
              cluster:
                server: \(url.absoluteString)
                certificate-authority-data: \(ca)
            users:
            - name: keyward-test-user
              user:
            \(user.dropLast())
            contexts:
            - name: keyward-test
              context:
                cluster: keyward-test
                user: keyward-test-user
                namespace: \(namespace)
            current-context: keyward-test
            preferences: {}

            """
    }

    // MARK: CRD files

    private static func installCRDs(from directory: URL, into store: ObjectStore) async throws {
        let files: [URL]
        do {
            files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
                .filter { ["yaml", "yml", "json"].contains($0.pathExtension.lowercased()) }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        } catch {
            throw APIServerError.customResourceDefinition(file: directory.path, reason: "cannot list the directory: \(error)")
        }
        for file in files {
            let documents: [JSONValue]
            do {
                documents = try YAMLDocuments.parse(try String(contentsOf: file, encoding: .utf8))
            } catch {
                throw APIServerError.customResourceDefinition(file: file.path, reason: "\(error)")
            }
            for document in documents where document["kind"]?.stringValue == "CustomResourceDefinition" {
                do {
                    try await store.installCRD(document)
                } catch {
                    throw APIServerError.customResourceDefinition(file: file.path, reason: error.description)
                }
            }
        }
    }
}

/// A TLS client certificate and its key. `description` never shows the key.
public struct ClientCertificate: Sendable, CustomStringConvertible {
    public var certificatePEM: String
    public var privateKeyPEM: String

    public var description: String { "ClientCertificate(key: <redacted>)" }
}

extension ObjectStore {
    /// Creates (or replaces the spec of) a CRD at startup, as `kubectl apply -f crds/` would.
    func installCRD(_ document: JSONValue) throws(APIStatusError) {
        guard let def = definitions["apiextensions.k8s.io/customresourcedefinitions"] else { return }
        let target = WriteTarget(definition: def, version: "v1", namespace: nil)
        if let existing = objects[def.key]?[Self.objectKey(namespace: nil, name: document.name)] {
            var body = document
            body.set(["metadata", "resourceVersion"], .string(existing.resourceVersion))
            _ = try update(target, name: document.name, body: body, subresource: nil)
        } else {
            _ = try create(target, body: document)
        }
    }

    func storedObject(group: String, resource: String, namespace: String?, name: String) -> JSONValue? {
        guard let def = definitions["\(group)/\(resource)"] else { return nil }
        return objects[def.key]?[Self.objectKey(namespace: def.namespaced ? namespace : nil, name: name)]
    }
}
