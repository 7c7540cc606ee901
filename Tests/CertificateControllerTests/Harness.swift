@testable import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KeywardTestSupport
import KubernetesClient
import KubeAPIServer
import KubernetesResources
import StandaloneStore
import Testing

/// Captures events so tests can assert on reasons and check that no key material leaks into messages.
actor RecordingEventSink: EventSink {
    private(set) var events: [Event] = []
    func create(_ event: Event) async throws(EventSinkError) { events.append(event) }
    func update(_ event: Event) async throws(EventSinkError) { events.append(event) }
    func reasons(for name: String) -> [String] {
        events.filter { $0.involvedObject.name == name }.compactMap(\.reason)
    }
}

/// Where the reconciler's objects live: standalone mode's file store, or the test API server over real TLS.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case files
    case cluster
    var testDescription: String { rawValue }
}

/// A Certificate reconciler over a real store with a manual clock.
struct Harness {
    let directory: TemporaryDirectory
    let store: any ResourceStore
    let clock: ManualClock
    let sink: RecordingEventSink
    let reconciler: CertificateReconciler
    let server: APIServer?
    let client: KubernetesClient?
    var namespace = "default"

    /// Runs `body` against a fresh backend and always shuts the API server down.
    static func with(_ backend: Backend, files: Bool = false, _ body: (Harness) async throws -> Void) async throws {
        let h = try await Harness(backend: backend, files: files)
        do { try await body(h) } catch {
            await h.close()
            throw error
        }
        await h.close()
    }

    init(backend: Backend = .files, files: Bool = false) async throws {
        directory = try TemporaryDirectory(prefix: "keyward-certctl")
        // Real time (whole seconds): openssl checks validity against the machine's clock.
        clock = ManualClock(now: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
        switch backend {
        case .files:
            store = try FileResourceStore(stateDirectory: directory.path("state"), clock: clock)
            server = nil
            client = nil
        case .cluster:
            var configuration = APIServerConfiguration()
            configuration.crdDirectories = [ExternalTool.repositoryRoot.appendingPathComponent("crds")]
            let server = try await APIServer.start(configuration)
            let client = KubernetesClient(configuration: ClientConfiguration(
                server: server.url, tls: TLSSettings(caPEM: Data(server.caCertificatePEM.utf8)),
                credentials: .token(server.token), namespace: "default"))
            store = KubernetesStore(client: client)
            self.server = server
            self.client = client
        }
        sink = RecordingEventSink()
        let events = EventRecorder(sink: sink, clock: clock)
        reconciler = CertificateReconciler(
            store: store, events: events, clock: clock,
            options: CertificateReconciler.Options(volumeRoot: files ? directory.path("out") : nil))
    }

    func close() async {
        client?.shutdown()
        await server?.shutdown()
    }

    /// Write requests so far: stored-object writes for the file store, the API server's write log for a cluster.
    func writeCount() async -> Int {
        if let server { return await server.writeLog().count }
        return await (store as! FileResourceStore).writeCount
    }

    var outDirectory: String { directory.path("out") }

    @discardableResult
    func create(_ name: String, _ spec: Certificate.Spec) async throws -> Certificate {
        try await store.create(Certificate(metadata: ObjectMeta(name: name, namespace: namespace), spec: spec))
    }

    func certificate(_ name: String) async throws -> Certificate {
        try #require(try await store.get(Certificate.self, namespace: namespace, name: name))
    }

    func secret(_ name: String) async throws -> Secret? {
        try await store.get(Secret.self, namespace: namespace, name: name)
    }

    /// Edits a Certificate the way a user would (spec, annotations), with a fresh read.
    func edit(_ name: String, _ change: (inout Certificate) -> Void) async throws {
        var certificate = try await certificate(name)
        change(&certificate)
        _ = try await store.update(certificate)
    }

    @discardableResult
    func reconcile(_ name: String) async throws -> ReconcileResult {
        try await reconciler.reconcile(ObjectKey(namespace: namespace, name: name))
    }

    /// Reconciles the named Certificates in order until a full pass writes nothing (bounded).
    func converge(_ names: String...) async throws {
        for _ in 0..<8 {
            let before = await writeCount()
            for name in names { try await reconcile(name) }
            if await writeCount() == before { return }
        }
        Issue.record("no steady state after 8 passes")
    }

    func condition(_ name: String, _ type: String = Certificate.ConditionType.ready) async throws -> Condition? {
        try await certificate(name).status?.conditions.first { $0.type == type }
    }

    func leaf(ofSecret name: String) async throws -> CertificateInfo {
        let secret = try #require(try await secret(name))
        let pem = try #require(secret.string(CertificateSecret.certificateKey))
        return try CertificateInfo(try #require(try PEMBundle.certificates(from: pem).first))
    }

    /// Writes the Secret's PEM files into the scratch folder for openssl and pkilint.
    func exportSecret(_ name: String, prefix: String) async throws -> (leaf: String, chain: String, ca: String, key: String) {
        let secret = try #require(try await secret(name))
        let fullchain = try #require(secret.string(CertificateSecret.certificateKey))
        let certificates = try PEMBundle.certificates(from: fullchain)
        let leaf = try directory.write("\(prefix)-leaf.pem", PEMBundle.pemEncoded(certificates[0]))
        let chain = try directory.write("\(prefix)-chain.pem", PEMBundle.pemEncoded(Array(certificates.dropFirst())))
        let ca = try directory.write("\(prefix)-ca.pem", secret.string(CertificateSecret.caKey) ?? "")
        let key = try directory.write("\(prefix)-key.pem", secret.string(CertificateSecret.privateKeyKey) ?? "")
        return (leaf, chain, ca, key)
    }
}

/// `openssl verify` of a leaf against its CA, with the intermediates when there are any.
func opensslVerify(ca: String, chain: String, leaf: String, extra: [String] = []) async throws -> ExternalTool.Output {
    let hasChain = ((try? Data(contentsOf: URL(fileURLWithPath: chain)))?.count ?? 0) > 0
    return try await ExternalTool.run(ExternalTool.openssl,
                                      ["verify"] + extra + ["-CAfile", ca] + (hasChain ? ["-untrusted", chain] : []) + [leaf])
}

extension Certificate.Spec {
    static func rootCA(_ secretName: String = "root-ca") -> Certificate.Spec {
        Certificate.Spec(secretName: secretName, issuer: .init(selfSigned: .init()), commonName: "Test Root CA",
                         duration: "8760h", isCA: true)
    }

    static func leaf(_ secretName: String = "web-tls", issuer: String = "root-ca", dnsNames: [String] = ["web.example.com"])
        -> Certificate.Spec
    {
        Certificate.Spec(secretName: secretName, issuer: .init(ca: .init(certificateRef: issuer)), commonName: dnsNames.first,
                         dnsNames: dnsNames, duration: "2160h")
    }
}
