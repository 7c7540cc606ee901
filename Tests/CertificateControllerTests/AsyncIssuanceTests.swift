@testable import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KeywardTestSupport
import KubernetesClient
import KubernetesResources
import Testing

/// The remote side of a fake asynchronous issuer (an ACME CA, say): orders that stay pending for a number of
/// polls, then are signed by a real CA. It outlives any one controller, as a real CA does across restarts.
actor FakeRemoteCA {
    nonisolated let ca: KeywardPKI.Issuer
    let pendingPolls: Int
    var failNext = false
    private(set) var orders: [String: Int] = [:]
    /// New requests (orders placed), as opposed to polls of an existing order.
    var requests: Int { orders.count }

    init(material: IssuerMaterial, pendingPolls: Int) throws {
        ca = try KeywardPKI.Issuer(certificatePEM: material.caCertificate, privateKeyPEM: material.caKey)
        self.pendingPolls = pendingPolls
    }

    func setFailNext() { failNext = true }

    func handle(_ request: SigningRequest) throws -> SigningOutcome {
        if failNext {
            failNext = false
            return .failed(.retryable("order rejected by the CA"))
        }
        let order: String
        if let existing = request.pendingState?["order"], orders[existing] != nil {
            order = existing
        } else {
            order = "order-\(orders.count + 1)"
            orders[order] = 0
        }
        let polls = orders[order, default: 0]
        guard polls >= pendingPolls else {
            orders[order] = polls + 1
            return .pending(.init(state: ["order": order], message: "\(order): waiting for validation (\(polls + 1)/\(pendingPolls))",
                                  requeueAfter: 30))
        }
        return .issued(try ca.issue(template: request.template, subjectKey: request.subjectKey, now: request.now))
    }
}

/// A test-only asynchronous signer in front of ``FakeRemoteCA``.
struct FakeAsyncSigner: CertificateSigner {
    let remote: FakeRemoteCA
    var displayName: String { "Issuer/fake-acme" }
    let ca: X509Certificate?
    var expectedIssuer: X509Certificate? { ca }
    func sign(_ request: SigningRequest) async throws -> SigningOutcome { try await remote.handle(request) }
}

@Suite("Asynchronous issuance")
struct AsyncIssuanceTests {
    /// A Certificate reconciler whose every issuer is the fake asynchronous one.
    static func reconciler(_ h: Harness, _ remote: FakeRemoteCA, store: (any ResourceStore)? = nil) -> CertificateReconciler {
        var reconciler = CertificateReconciler(store: store ?? h.store, events: EventRecorder(sink: h.sink, clock: h.clock),
                                               clock: h.clock)
        let ca = remote.ca.certificate
        reconciler.issuers.signerOverride = { _ in FakeAsyncSigner(remote: remote, ca: ca) }
        return reconciler
    }

    static let spec = Certificate.Spec(secretName: "web-tls", issuer: .issuer("fake-acme"), commonName: "web.example.com",
                                       dnsNames: ["web.example.com"], duration: "720h")

    static func pendingKey(_ h: Harness) async throws -> String? {
        try await h.secret("web-tls-next-key")?.string(PendingKeySecret.keyField)
    }

    @Test("pending for N passes (Issuing=True Pending, status.pendingRequest, the key only in <secret>-next-key), then issued with that key; one request",
          arguments: Backend.allCases)
    func pendingThenIssued(backend: Backend) async throws {
        try await Harness.with(backend) { h in
            let remote = try FakeRemoteCA(material: IssuerMaterial(now: h.clock.now), pendingPolls: 2)
            let reconciler = Self.reconciler(h, remote)
            try await h.create("web", Self.spec)
            let key = ObjectKey(namespace: h.namespace, name: "web")
            for pass in 1...2 {
                let result = try await reconciler.reconcile(key)
                #expect(result.requeueAfter == 30)
                let certificate = try await h.certificate("web")
                let issuing = try #require(certificate.status?.conditions[type: Certificate.ConditionType.issuing])
                #expect(issuing.status == .true && issuing.reason == Certificate.Reason.pending, "pass \(pass): \(issuing)")
                let pending = try #require(certificate.status?.pendingRequest)
                #expect(pending.state == ["order": "order-1"] && pending.keySecretName == "web-tls-next-key")
                #expect(pending.message.contains("waiting for validation (\(pass)/2)"))
                #expect(try await h.secret("web-tls") == nil)
                #expect(try await Self.pendingKey(h) != nil)
            }
            let waitingKey = try #require(try await Self.pendingKey(h))
            // No key material in status.
            let statusJSON = String(decoding: try KubeJSON.makeEncoder().encode(try await h.certificate("web").status), as: UTF8.self)
            #expect(!statusJSON.contains("PRIVATE KEY"))

            _ = try await reconciler.reconcile(key)
            let issued = try await h.certificate("web")
            #expect(issued.status?.conditions.isTrue(Certificate.ConditionType.ready) == true, "\(String(describing: issued.status))")
            #expect(issued.status?.pendingRequest == nil)
            #expect(try await h.secret("web-tls")?.string(CertificateSecret.privateKeyKey) == waitingKey)
            #expect(try await h.secret("web-tls-next-key") == nil)
            #expect(await remote.requests == 1)
            // Issued and current: a further pass asks nothing and writes nothing.
            let writes = await h.writeCount()
            _ = try await reconciler.reconcile(key)
            #expect(await h.writeCount() == writes)
            #expect(await remote.requests == 1)
        }
    }

    @Test("a controller restart resumes the pending request instead of starting another", arguments: Backend.allCases)
    func resumeAfterRestart(backend: Backend) async throws {
        try await Harness.with(backend) { h in
            let remote = try FakeRemoteCA(material: IssuerMaterial(now: h.clock.now), pendingPolls: 3)
            let key = ObjectKey(namespace: h.namespace, name: "web")
            try await h.create("web", Self.spec)
            _ = try await Self.reconciler(h, remote).reconcile(key)
            let waitingKey = try #require(try await Self.pendingKey(h))
            // A new process: new reconciler values, the same store and the same remote CA.
            for _ in 0..<3 { _ = try await Self.reconciler(h, remote).reconcile(key) }
            #expect(try await h.condition("web")?.status == .true)
            #expect(await remote.requests == 1)
            #expect(try await h.secret("web-tls")?.string(CertificateSecret.privateKeyKey) == waitingKey)
        }
    }

    @Test("a spec change abandons the pending request: its key goes, a new request with a new key follows", arguments: Backend.allCases)
    func abandonOnSpecChange(backend: Backend) async throws {
        try await Harness.with(backend) { h in
            let remote = try FakeRemoteCA(material: IssuerMaterial(now: h.clock.now), pendingPolls: 1)
            let reconciler = Self.reconciler(h, remote)
            let key = ObjectKey(namespace: h.namespace, name: "web")
            try await h.create("web", Self.spec)
            _ = try await reconciler.reconcile(key)
            let firstKey = try #require(try await Self.pendingKey(h))
            try await h.edit("web") { $0.spec.dnsNames = ["web.example.com", "www.example.com"] }
            _ = try await reconciler.reconcile(key)
            #expect(await remote.requests == 2)
            let secondKey = try #require(try await Self.pendingKey(h))
            #expect(secondKey != firstKey)
            #expect(try await h.certificate("web").status?.pendingRequest?.state == ["order": "order-2"])
            #expect(await h.sink.reasons(for: "web").contains(Certificate.Reason.pending))
            _ = try await reconciler.reconcile(key)
            #expect(try await h.condition("web")?.status == .true)
            #expect(try await h.leaf(ofSecret: "web-tls").dnsNames.sorted() == ["web.example.com", "www.example.com"])
            #expect(try await h.secret("web-tls")?.string(CertificateSecret.privateKeyKey) == secondKey)
        }
    }

    @Test("a failed pending request is dropped with its key and backs off; the retry starts a new request", arguments: Backend.allCases)
    func failure(backend: Backend) async throws {
        try await Harness.with(backend) { h in
            let remote = try FakeRemoteCA(material: IssuerMaterial(now: h.clock.now), pendingPolls: 1)
            let reconciler = Self.reconciler(h, remote)
            let key = ObjectKey(namespace: h.namespace, name: "web")
            try await h.create("web", Self.spec)
            _ = try await reconciler.reconcile(key)
            await remote.setFailNext()
            let result = try await reconciler.reconcile(key)
            let failed = try await h.certificate("web")
            #expect(failed.status?.pendingRequest == nil)
            #expect(failed.status?.conditions[type: Certificate.ConditionType.issuing]?.reason == Certificate.Reason.issuanceFailed)
            #expect(failed.status?.lastError == "order rejected by the CA")
            #expect(try await h.secret("web-tls-next-key") == nil)
            h.clock.advance(by: try #require(result.requeueAfter) + 1)
            _ = try await reconciler.reconcile(key)
            #expect(await remote.requests == 2)
            _ = try await reconciler.reconcile(key)
            #expect(try await h.condition("web")?.status == .true)
        }
    }

    @Test("a kill after any write of a pending issuance (key Secret, status, certificate Secret, key removal, status) converges to Ready with the waiting key",
          arguments: Backend.allCases)
    func everyKillPoint(backend: Backend) async throws {
        let key = ObjectKey(namespace: "default", name: "web")
        var total = 0
        try await Harness.with(backend) { h in
            let remote = try FakeRemoteCA(material: IssuerMaterial(now: h.clock.now), pendingPolls: 1)
            try await h.create("web", Self.spec)
            let counting = CrashingStore(h.store, killAfter: nil)
            for _ in 0..<2 { _ = try await Self.reconciler(h, remote, store: counting).reconcile(key) }
            total = counting.writes
            // next-key create, pending status, Secret create, next-key delete, issued status.
            #expect(total == 5, "writes: \(counting.log)")
        }
        for kill in 1...max(total, 1) {
            try await Harness.with(backend) { h in
                let remote = try FakeRemoteCA(material: IssuerMaterial(now: h.clock.now), pendingPolls: 1)
                try await h.create("web", Self.spec)
                let crashing = CrashingStore(h.store, killAfter: kill)
                await #expect(throws: Killed.self, "kill \(kill)") {
                    for _ in 0..<2 { _ = try await Self.reconciler(h, remote, store: crashing).reconcile(key) }
                }
                let point = "kill after write \(kill) (\(crashing.log.last ?? "-"))"
                // Restarted: a new instance over the real store.
                for _ in 0..<4 { _ = try await Self.reconciler(h, remote).reconcile(key) }
                let web = try await h.certificate("web")
                #expect(web.status?.conditions.isTrue(Certificate.ConditionType.ready) == true, "\(point)")
                #expect(web.status?.pendingRequest == nil, "\(point)")
                #expect(try await h.secret("web-tls-next-key") == nil, "\(point)")
                let secret = try #require(try await h.secret("web-tls"), "\(point)")
                let stored = try PrivateKey(pemEncoded: try #require(secret.string(CertificateSecret.privateKeyKey)))
                #expect(stored.matches(try #require(CertificateReconciler.storedLeaf(secret)?.leaf)), "\(point)")
                // Only a kill before the request was recorded in status makes a second request.
                let requests = await remote.requests
                #expect(requests <= (kill == 1 ? 2 : 1), "\(point): \(requests) requests")
            }
        }
    }
}
