@testable import CertificateController
import ControllerRuntime
import ACME
import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KeywardTestSupport
import KubernetesClient
import KubernetesResources
import Logging
import Prometheus
import ServiceLifecycle
import Testing

/// The `acme` issuer end to end against a real Pebble (5% bad nonces and authorization reuse left on) and the
/// project's API server: account registration, a two-name Certificate through HTTP-01 served by the challenge
/// listener from the Certificate's pending state (an Ingress per challenge while pending), resume by a fresh
/// controller with one order, an invalid challenge with the CA's detail and backoff, revocation at the CA.
@Suite("ACME issuer against Pebble", .serialized)
struct ACMEPebbleTests {
    /// Pebble, the project's API server, the HTTP-01 challenge listener Pebble validates against, and the reconcilers.
    struct Setup {
        let h: Harness
        let pebble: PebbleServer
        let index: HTTP01ChallengeIndex
        let listener: Task<Void, Never>
        let listenerGroup: ServiceGroup
        let listenerPort: Int
        let sink: RecordingEventSink

        static let namespace = "default"
        static let issuerName = "pebble"
        static let ingressClass = "keyward-test"

        /// - Parameter pebbleHTTPPort: where Pebble validates HTTP-01; nil means the listener (a working route).
        static func start(pebbleHTTPPort: Int? = nil, pebbleOptions: PebbleServer.Options = .init()) async throws -> Setup {
            let h = try await Harness(backend: .cluster)
            let index = HTTP01ChallengeIndex()
            let server = try ACMEChallengeServer(address: "127.0.0.1:0", lookup: index)
            // Stopped by graceful shutdown, never by cancelling its task (NIO traps on that with open connections).
            let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [],
                                                          logger: Logger(label: "acme-pebble-tests")))
            let listener = Task { _ = try? await group.run() }
            guard let port = await server.boundPort() else {
                await group.triggerGracefulShutdown()
                await listener.value
                await h.close()
                throw ListenerFailure()
            }
            let pebble: PebbleServer
            do {
                var options = pebbleOptions
                options.httpPort = pebbleHTTPPort ?? port
                pebble = try await PebbleServer.start(options)
            } catch {
                await group.triggerGracefulShutdown()
                await listener.value
                await h.close()
                throw error
            }
            return Setup(h: h, pebble: pebble, index: index, listener: listener, group: group, port: port)
        }

        private init(h: Harness, pebble: PebbleServer, index: HTTP01ChallengeIndex, listener: Task<Void, Never>,
                     group: ServiceGroup, port: Int) {
            self.h = h
            self.pebble = pebble
            self.index = index
            self.listener = listener
            self.listenerGroup = group
            self.listenerPort = port
            self.sink = h.sink
        }

        func close() async {
            await listenerGroup.triggerGracefulShutdown()
            await listener.value
            await pebble.stop()
            await h.close()
        }

        /// What a controller process builds: solvers, egress allowing loopback (the test's only network), fresh
        /// clients. A new value is what a restarted controller has.
        func acmeOptions(metrics: ACMEMetrics? = nil) -> ACMEOptions {
            let loopback = EgressPolicy(allow: [try! CIDR(parsing: "127.0.0.0/8")])
            // The self-check reaches every name at the listener (Pebble's resolver answers 127.0.0.1 for all).
            let selfCheck = HTTP01SelfCheck(port: 80, connectTo: [HTTP01ConnectTo(host: "", port: 80, targetHost: "127.0.0.1",
                                                                                  targetPort: listenerPort)])
            let http01 = HTTP01Solver(environment: .cluster(HTTP01ServiceBackend(name: "keyward-acme-http01",
                                                                                  namespace: "keyward-system", port: 8089)),
                                      selfCheck: selfCheck)
            var options = ACMEOptions(egress: loopback, solvers: ACMESolvers([http01]))
            options.pollInterval = 1
            options.metrics = metrics
            return options
        }

        func certificateReconciler(_ acme: ACMEOptions) -> CertificateReconciler {
            var options = CertificateReconciler.Options()
            options.acme = acme
            return CertificateReconciler(store: h.store, events: EventRecorder(sink: h.sink, clock: h.clock), clock: h.clock,
                                         options: options)
        }

        func issuerReconciler(_ acme: ACMEOptions) -> IssuerReconciler<IssuerResource> {
            var options = IssuerReconciler<IssuerResource>.Options()
            options.acme = acme
            return IssuerReconciler(store: h.store, events: EventRecorder(sink: h.sink, clock: h.clock), clock: h.clock, options: options)
        }

        func acmeSpec(externalAccountBinding: IssuerSpec.ACME.ExternalAccountBinding? = nil,
                      directory: ACMEDirectoryWithARI? = nil) -> IssuerSpec.ACME {
            IssuerSpec.ACME(server: (directory?.directoryURL ?? pebble.directoryURL).absoluteString, email: "ops@example.com",
                            privateKeySecretRef: .init(name: "pebble-account"),
                            caBundle: String(decoding: pebble.tlsCertificatePEM, as: UTF8.self) + (directory?.certificatePEM ?? ""),
                            externalAccountBinding: externalAccountBinding,
                            solvers: [.init(http01: .init(ingress: .init(ingressClassName: Self.ingressClass)))])
        }

        /// Creates the Issuer and reconciles it once; returns it as stored.
        @discardableResult
        func readyIssuer(_ acme: ACMEOptions, directory: ACMEDirectoryWithARI? = nil) async throws -> IssuerResource {
            _ = try await h.store.create(IssuerResource(metadata: ObjectMeta(name: Self.issuerName, namespace: Self.namespace),
                                                        spec: IssuerSpec(acme: acmeSpec(directory: directory))))
            _ = try await issuerReconciler(acme).reconcile(ObjectKey(namespace: Self.namespace, name: Self.issuerName))
            return try #require(try await h.store.get(IssuerResource.self, namespace: Self.namespace, name: Self.issuerName))
        }

        func createCertificate(_ name: String, dnsNames: [String]) async throws {
            _ = try await h.store.create(Certificate(
                metadata: ObjectMeta(name: name, namespace: Self.namespace),
                spec: Certificate.Spec(secretName: "\(name)-tls", issuer: .init(issuerRef: .init(kind: .issuer, name: Self.issuerName)),
                                       dnsNames: dnsNames)))
        }

        /// One pass of `reconciler`, then the listener's index sees the Certificate as the informer would.
        @discardableResult
        func pass(_ reconciler: CertificateReconciler, _ name: String) async throws -> ReconcileResult {
            // Pebble stamps real times (notBefore, Retry-After): the reconcilers' clock keeps up with them.
            h.clock.set(to: Date(timeIntervalSince1970: max(h.clock.now.timeIntervalSince1970, Date().timeIntervalSince1970.rounded(.down))))
            let result = try await reconciler.reconcile(ObjectKey(namespace: Self.namespace, name: name))
            if let certificate = try await h.store.get(Certificate.self, namespace: Self.namespace, name: name) {
                await index.observe(.updated(old: certificate, new: certificate))
            }
            return result
        }

        func ingresses() async throws -> [Ingress] {
            try await h.store.list(Ingress.self, namespace: Self.namespace)
        }

        func ready(_ name: String) async throws -> Condition? {
            try await h.store.get(Certificate.self, namespace: Self.namespace, name: name)?.status?.conditions[type: "Ready"]
        }

        /// Passes until Ready (bounded); notes whether a challenge Ingress existed meanwhile.
        func driveToReady(_ reconciler: CertificateReconciler, _ name: String) async throws -> (ready: Bool, sawIngress: Bool) {
            var sawIngress = false
            let done = try await within(120, every: .milliseconds(200)) {
                try await pass(reconciler, name)
                if try await !ingresses().isEmpty { sawIngress = true }
                return try await ready(name)?.status == .true
            }
            return (done, sawIngress)
        }

        /// `openssl verify` of the Secret's leaf and chain against Pebble's root from its management interface.
        func verifyAgainstPebbleRoot(_ secretName: String) async throws -> ExternalTool.Output {
            let files = try await h.exportSecret(secretName, prefix: secretName)
            let root = try h.directory.write("\(secretName)-pebble-root.pem", try await pebble.rootPEM())
            return try await opensslVerify(ca: root, chain: files.chain, leaf: files.leaf)
        }
    }

    struct ListenerFailure: Error {}

    static func with(pebbleHTTPPort: Int? = nil, pebbleOptions: PebbleServer.Options = .init(),
                     _ body: (Setup) async throws -> Void) async throws {
        let setup = try await Setup.start(pebbleHTTPPort: pebbleHTTPPort, pebbleOptions: pebbleOptions)
        do { try await body(setup) } catch {
            await setup.close()
            throw error
        }
        await setup.close()
    }

    @Test("an acme Issuer registers its account (key generated into its Secret) and is Ready; a second pass finds the same account")
    func issuerReady() async throws {
        try await Self.with { s in
            let acme = s.acmeOptions()
            let issuer = try await s.readyIssuer(acme)
            let ready = try #require(issuer.status?.conditions[type: "Ready"])
            #expect(ready.status == .true, "\(ready.reason): \(ready.message)")
            #expect(ready.reason == IssuerReason.accountRegistered)
            let account = try #require(issuer.status?.acme)
            #expect(account.uri.hasPrefix(s.pebble.directoryURL.absoluteString.replacingOccurrences(of: "/dir", with: "")))
            #expect(account.server == s.pebble.directoryURL.absoluteString)
            let keySecret = try #require(try await s.h.store.get(Secret.self, namespace: Setup.namespace, name: "pebble-account"))
            let pem = try #require(keySecret.string("tls.key"))
            #expect(pem.contains("PRIVATE KEY"))
            // Neither the key nor anything of it is in status or events.
            #expect(!(issuer.status.map { "\($0)" } ?? "").contains(pem))
            // A fresh controller (new clients) finds the same account with the same key, never a new one.
            _ = try await s.issuerReconciler(s.acmeOptions()).reconcile(ObjectKey(namespace: Setup.namespace, name: Setup.issuerName))
            let again = try #require(try await s.h.store.get(IssuerResource.self, namespace: Setup.namespace, name: Setup.issuerName))
            #expect(again.status?.acme?.uri == account.uri)
            let keyAfter = try #require(try await s.h.store.get(Secret.self, namespace: Setup.namespace, name: "pebble-account"))
            #expect(keyAfter.string("tls.key") == pem)
        }
    }

    /// Hostile tenant input: `acme.server` pointing at the cloud metadata address. The egress policy refuses it before
    /// any connection; the Issuer says so instead of becoming Ready.
    @Test("an acme server at the cloud metadata address is refused by the egress policy: Ready=False naming it")
    func metadataAddressServerRefused() async throws {
        try await Self.with { s in
            var spec = s.acmeSpec()
            spec.server = "https://169.254.169.254/latest/meta-data/directory"
            _ = try await s.h.store.create(IssuerResource(metadata: ObjectMeta(name: Setup.issuerName, namespace: Setup.namespace),
                                                          spec: IssuerSpec(acme: spec)))
            _ = try? await s.issuerReconciler(s.acmeOptions()).reconcile(ObjectKey(namespace: Setup.namespace, name: Setup.issuerName))
            let issuer = try #require(try await s.h.store.get(IssuerResource.self, namespace: Setup.namespace, name: Setup.issuerName))
            let ready = try #require(issuer.status?.conditions[type: "Ready"])
            #expect(ready.status == .false)
            #expect(ready.message.contains("egress"), "\(ready.reason): \(ready.message)")
            #expect(issuer.status?.acme == nil)
        }
    }

    @Test("a different key in the account Secret is refused with a clear condition, not a new account")
    func accountKeyChangeRefused() async throws {
        try await Self.with { s in
            let acme = s.acmeOptions()
            let issuer = try await s.readyIssuer(acme)
            let uri = try #require(issuer.status?.acme?.uri)
            var keySecret = try #require(try await s.h.store.get(Secret.self, namespace: Setup.namespace, name: "pebble-account"))
            keySecret.data["tls.key"] = Data(try PrivateKey.generate(.ecdsaP256).pemEncoded(encoding: .pkcs8).utf8)
            _ = try await s.h.store.update(keySecret)
            _ = try await s.issuerReconciler(acme).reconcile(ObjectKey(namespace: Setup.namespace, name: Setup.issuerName))
            let after = try #require(try await s.h.store.get(IssuerResource.self, namespace: Setup.namespace, name: Setup.issuerName))
            let ready = try #require(after.status?.conditions[type: "Ready"])
            #expect(ready.status == .false)
            #expect(ready.reason == IssuerReason.accountKeyChanged)
            #expect(ready.message.contains(uri))
            #expect(after.status?.acme?.uri == uri)
            #expect(await s.sink.reasons(for: Setup.issuerName).contains(IssuerReason.accountKeyChanged))
        }
    }

    @Test("a CA requiring external account binding refuses the account without it (a clear condition) and accepts it with the right key")
    func externalAccountBinding() async throws {
        // 32 bytes, base64url: the MAC key the CA hands out with its key ID.
        let macKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"
        try await Self.with(pebbleOptions: .init(externalAccountBindingRequired: true, externalAccountMACKeys: ["kid-1": macKey])) { s in
            let acme = s.acmeOptions()
            let key = ObjectKey(namespace: Setup.namespace, name: Setup.issuerName)
            _ = try await s.h.store.create(IssuerResource(metadata: ObjectMeta(name: Setup.issuerName, namespace: Setup.namespace),
                                                          spec: IssuerSpec(acme: s.acmeSpec())))
            _ = try await s.issuerReconciler(acme).reconcile(key)
            var issuer = try #require(try await s.h.store.get(IssuerResource.self, namespace: Setup.namespace, name: Setup.issuerName))
            let refused = try #require(issuer.status?.conditions[type: "Ready"])
            #expect(refused.status == .false)
            #expect(refused.reason == IssuerReason.accountRegistrationFailed)
            #expect(refused.message.contains("external account binding"), "\(refused.message)")
            #expect(refused.message.contains("urn:ietf:params:acme:error:externalAccountRequired"), "\(refused.message)")
            #expect(issuer.status?.acme == nil)

            // The EAB Secret is missing at first: the condition names it.
            issuer.spec.acme?.externalAccountBinding = .init(keyID: "kid-1", keySecretRef: .init(name: "pebble-eab"), keyAlgorithm: "HS256")
            _ = try await s.h.store.update(issuer)
            _ = try await s.issuerReconciler(acme).reconcile(key)
            let missing = try #require(try await s.h.store.get(IssuerResource.self, namespace: Setup.namespace, name: Setup.issuerName)?
                .status?.conditions[type: "Ready"])
            #expect(missing.status == .false)
            #expect(missing.message.contains("pebble-eab"), "\(missing.message)")

            _ = try await s.h.store.create(Secret(metadata: ObjectMeta(name: "pebble-eab", namespace: Setup.namespace),
                                                  data: ["secret": Data(macKey.utf8)]))
            _ = try await s.issuerReconciler(acme).reconcile(key)
            issuer = try #require(try await s.h.store.get(IssuerResource.self, namespace: Setup.namespace, name: Setup.issuerName))
            let ready = try #require(issuer.status?.conditions[type: "Ready"])
            #expect(ready.status == .true, "\(ready.reason): \(ready.message)")
            #expect(issuer.status?.acme?.uri != nil)
            // The MAC key is in no status or event text.
            #expect(!ready.message.contains(macKey) && !refused.message.contains(macKey))
            #expect(await s.sink.events.allSatisfy { !($0.message ?? "").contains(macKey) })
        }
    }

    @Test("a Certificate for two names becomes Ready through HTTP-01: Ingress while pending, gone after, chain verifies against Pebble's root, one order, no ARI at Pebble")
    func twoNamesThroughHTTP01() async throws {
        try await Self.with { s in
            let registry = PrometheusCollectorRegistry()
            let acme = s.acmeOptions(metrics: ACMEMetrics(registry: registry))
            try await s.readyIssuer(acme)
            try await s.createCertificate("web", dnsNames: ["web.acme.test", "www.acme.test"])
            let reconciler = s.certificateReconciler(acme)
            let (ready, sawIngress) = try await s.driveToReady(reconciler, "web")
            let condition = try await s.ready("web")
            #expect(ready, "\(condition?.reason ?? ""): \(condition?.message ?? "")")
            // Pebble reuses half of its authorizations; a fresh account has none to reuse, so each name was presented.
            #expect(sawIngress)
            #expect(try await s.ingresses().isEmpty)
            let verified = try await s.verifyAgainstPebbleRoot("web-tls")
            #expect(verified.status == 0, "\(verified)")
            let leaf = try await s.h.leaf(ofSecret: "web-tls")
            #expect(Set(leaf.dnsNames) == ["web.acme.test", "www.acme.test"])
            #expect(s.pebble.ordersCreated == 1)
            let reasons = await s.sink.reasons(for: "web")
            for reason in [ACMEEventReason.orderCreated, ACMEEventReason.challengePresented, ACMEEventReason.challengeValid,
                           ACMEEventReason.issued] {
                #expect(reasons.contains(reason), "\(reasons)")
            }
            var exposition: [UInt8] = []
            registry.emit(into: &exposition)
            let text = String(decoding: exposition, as: UTF8.self)
            for line in [#"keyward_acme_steps_total{issuer="Issuer/default/pebble",step="order_created"} 1"#,
                         #"keyward_acme_steps_total{issuer="Issuer/default/pebble",step="challenge_valid"} 2"#,
                         #"keyward_acme_steps_total{issuer="Issuer/default/pebble",step="issued"} 1"#] {
                #expect(text.contains(line), "\(text)")
            }
            // Pebble has no renewalInfo: the renewal time is renewBefore's (a third of the lifetime before the end).
            let status = try #require(try await s.h.certificate("web").status)
            let notBefore = try #require(status.notBefore), notAfter = try #require(status.notAfter)
            let renewal = try #require(status.renewalTime)
            #expect(renewal > notBefore && renewal < notAfter)
            #expect(status.pendingRequest == nil)
            // Steady: once the issuer's fingerprint is recorded (the chain is known only after the download), a pass
            // writes nothing and places no order.
            try await s.pass(reconciler, "web")
            let writes = await s.h.writeCount()
            try await s.pass(reconciler, "web")
            let messages = await s.sink.events.filter { $0.involvedObject.name == "web" }.map { "\($0.reason ?? ""): \($0.message ?? "")" }
            #expect(await s.h.writeCount() == writes, "\(messages)")
            #expect(s.pebble.ordersCreated == 1)

            // The issuer deleted: its series go with it (tenants churning Issuers must not grow /metrics).
            try await s.h.store.delete(IssuerResource.self, namespace: Setup.namespace, name: Setup.issuerName)
            _ = try await s.issuerReconciler(acme).reconcile(ObjectKey(namespace: Setup.namespace, name: Setup.issuerName))
            var after: [UInt8] = []
            registry.emit(into: &after)
            #expect(!String(decoding: after, as: UTF8.self).contains(#"issuer="Issuer/default/pebble""#))
        }
    }

    /// Self-checks are bounded per pass (real time): past the budget the rest wait for the next pass, and a check that
    /// passed counts until the self-check timeout, so every pass gets further. With no budget at all, each pass checks
    /// one name, and the order still completes.
    @Test("with its self-check budget spent, each pass checks one more name and the same order completes")
    func selfCheckBudgetMakesProgress() async throws {
        try await Self.with { s in
            try await s.readyIssuer(s.acmeOptions())
            try await s.createCertificate("budget", dnsNames: ["budget.acme.test", "also.budget.acme.test", "third.budget.acme.test"])
            var spent = s.acmeOptions()
            spent.selfCheckPassBudget = .zero
            for _ in 0..<2 { _ = try await s.pass(s.certificateReconciler(spent), "budget") }  // present, then check
            let status = try #require(try await s.h.certificate("budget").status)
            let issuing = try #require(status.conditions[type: KeywardAPI.Certificate.ConditionType.issuing])
            #expect(issuing.message.components(separatedBy: ": checked in the next pass").count == 3, "\(issuing.message)")
            #expect(status.pendingRequest != nil)
            let (ready, _) = try await s.driveToReady(s.certificateReconciler(spent), "budget")
            #expect(ready)
            #expect(s.pebble.ordersCreated == 1)
        }
    }

    @Test("a controller restarted while the order is pending finishes the same order (exactly one order)")
    func restartResumesTheOrder() async throws {
        try await Self.with { s in
            try await s.readyIssuer(s.acmeOptions())
            try await s.createCertificate("resume", dnsNames: ["resume.acme.test", "also.resume.acme.test"])
            // The first controller places the order and presents the challenges, then is gone.
            try await s.pass(s.certificateReconciler(s.acmeOptions()), "resume")
            let pending = try #require(try await s.h.certificate("resume").status?.pendingRequest)
            #expect(pending.state["acme.order"] != nil)
            #expect(s.pebble.ordersCreated == 1)
            // A new one (fresh clients, nonce pool, caches) continues from the persisted state.
            let (ready, _) = try await s.driveToReady(s.certificateReconciler(s.acmeOptions()), "resume")
            #expect(ready)
            #expect(s.pebble.ordersCreated == 1)
            let verified = try await s.verifyAgainstPebbleRoot("resume-tls")
            #expect(verified.status == 0, "\(verified)")
        }
    }

    @Test("a challenge Pebble marks invalid gives Ready=False with the CA's detail, backoff, and a bounded number of orders")
    func invalidChallengeBacksOff() async throws {
        // Pebble validates at a port nobody serves; the self-check still reaches the listener, so the CA is asked.
        // A port that refuses connections, reserved for the test so nothing else starts serving there.
        let refusing = try ClosedPort()
        defer { withExtendedLifetime(refusing) {} }
        let nobody = refusing.port
        try await Self.with(pebbleHTTPPort: nobody) { s in
            try await s.readyIssuer(s.acmeOptions())
            try await s.createCertificate("broken", dnsNames: ["broken.acme.test"])
            let reconciler = s.certificateReconciler(s.acmeOptions())
            let failed = try await within(120, every: .milliseconds(200)) {
                try await s.pass(reconciler, "broken")
                return try await s.h.certificate("broken").status?.failedIssuanceAttempts == 1
            }
            #expect(failed)
            let certificate = try await s.h.certificate("broken")
            let ready = try #require(certificate.status?.conditions[type: "Ready"])
            #expect(ready.status == .false)
            // The CA's problem document, verbatim (Pebble: connection refused at the validation port).
            #expect(ready.message.contains("urn:ietf:params:acme:error:"), "\(ready.message)")
            #expect(ready.message.contains("broken.acme.test"))
            // Whether the pass that submitted the challenge or a later one (the order already invalid) saw the
            // CA's answer, the Event names the refused challenge, not just the order.
            let reasons = await s.sink.reasons(for: "broken")
            #expect(reasons.contains(ACMEEventReason.challengeInvalid), "\(reasons)")
            #expect(!reasons.contains(ACMEEventReason.orderInvalid), "\(reasons)")
            #expect(certificate.status?.pendingRequest == nil)
            #expect(try await s.ingresses().isEmpty)
            let next = try #require(certificate.status?.nextRetryTime)
            #expect(next > s.h.clock.now)
            // Within the backoff, passes place no order.
            let orders = s.pebble.ordersCreated
            for _ in 0..<5 { try await s.pass(reconciler, "broken") }
            #expect(s.pebble.ordersCreated == orders)
            #expect(orders <= 2)  // one order (a reused invalid authorization can never add more)
        }
    }

    @Test("with renewalInfo in the directory, a CA window already over renews at once and the new order replaces the old certificate")
    func renewalInformation() async throws {
        try await Self.with { s in
            let directory = try await ACMEDirectoryWithARI(pebble: s.pebble)
            do {
                try await s.readyIssuer(s.acmeOptions(), directory: directory)
                try await s.createCertificate("ari", dnsNames: ["ari.acme.test"])
                #expect(try await s.driveToReady(s.certificateReconciler(s.acmeOptions()), "ari").ready)
                let first = try await s.h.leaf(ofSecret: "ari-tls")
                let scheduled = try #require(try await s.h.certificate("ari").status?.renewalTime)
                // No window recorded yet (404): renewBefore's time stands.
                #expect(scheduled > s.h.clock.now.addingTimeInterval(86_400))

                // The CA now says the window is over (as before a mass revocation): renew now. (Inside a window the
                // moment is random, so only a past window makes "now" certain.)
                let secret = try #require(try await s.h.secret("ari-tls"))
                let leafPEM = try #require(secret.string("tls.crt"))
                let leaf = try #require(try PEMBundle.certificates(from: leafPEM).first)
                let certID = try ARICertID(certificateDER: PEMBundle.derEncoded(leaf)).string
                let now = Date()
                try directory.suggest(certID: certID, start: now.addingTimeInterval(-7200), end: now.addingTimeInterval(-3600))
                // A controller that has not cached the earlier answer (ARI answers are kept until their Retry-After).
                let reconciler = s.certificateReconciler(s.acmeOptions())
                let renewed = try await within(120, every: .milliseconds(200)) {
                    try await s.pass(reconciler, "ari")
                    let current = try await s.h.leaf(ofSecret: "ari-tls")
                    let ready = try await s.ready("ari")
                    return current.serialHex != first.serialHex && ready?.status == .true
                }
                #expect(renewed)
                #expect(s.pebble.ordersCreated == 2)
                let orderEvents = await s.sink.events.filter { $0.involvedObject.name == "ari" && $0.reason == ACMEEventReason.orderCreated }
                #expect(orderEvents.contains { ($0.message ?? "").contains("replacing \(certID)") }, "\(orderEvents.map(\.message))")
            } catch {
                await directory.stop()
                throw error
            }
            await directory.stop()
        }
    }

    @Test("a spec change while the order is pending drops it: its challenge Ingresses go, the new names get a new order")
    func abandonedOrderIsCleanedUp() async throws {
        try await Self.with { s in
            try await s.readyIssuer(s.acmeOptions())
            try await s.createCertificate("moving", dnsNames: ["old.acme.test"])
            let reconciler = s.certificateReconciler(s.acmeOptions())
            try await s.pass(reconciler, "moving")
            let hosts = { try await s.ingresses().flatMap { ($0.spec.rules ?? []).compactMap(\.host) } }
            // A fresh account has no valid authorization to reuse: the challenge was presented.
            #expect(try await hosts().contains("old.acme.test"))
            try await s.h.edit("moving") { $0.spec.dnsNames = ["new.acme.test"] }
            try await s.pass(reconciler, "moving")
            #expect(try await !hosts().contains("old.acme.test"), "the dropped order's Ingress is gone")
            #expect(await s.sink.reasons(for: "moving").contains(Certificate.Reason.pending))
            #expect(try await s.driveToReady(reconciler, "moving").ready)
            #expect(Set(try await s.h.leaf(ofSecret: "moving-tls").dnsNames) == ["new.acme.test"])
            #expect(try await s.ingresses().isEmpty)
            #expect(s.pebble.ordersCreated == 2)
        }
    }

    @Test("revokeOnDelete: deleting the Certificate revokes its certificate at Pebble (cessationOfOperation)")
    func revokeOnDelete() async throws {
        try await Self.with { s in
            let acme = s.acmeOptions()
            try await s.readyIssuer(acme)
            try await s.createCertificate("leaving", dnsNames: ["leaving.acme.test"])
            try await s.h.edit("leaving") { $0.spec.revokeOnDelete = true }
            let reconciler = s.certificateReconciler(acme)
            #expect(try await s.driveToReady(reconciler, "leaving").ready)
            let leaf = try await s.h.leaf(ofSecret: "leaving-tls")
            #expect(try await s.h.certificate("leaving").metadata.finalizers.contains(KeywardFinalizers.revokeOnDelete))
            try await s.h.store.delete(Certificate.self, namespace: Setup.namespace, name: "leaving")
            try await s.pass(reconciler, "leaving")
            #expect(try await s.pebble.certificateStatus(serialHex: leaf.serialHex).contains("Revoked"))
            #expect(try await s.h.store.get(Certificate.self, namespace: Setup.namespace, name: "leaving") == nil)
        }
    }

    @Test("revoking an ACME certificate revokes it at Pebble (its management interface says so) and issues a replacement")
    func revocationAtTheCA() async throws {
        try await Self.with { s in
            let acme = s.acmeOptions()
            try await s.readyIssuer(acme)
            try await s.createCertificate("revoked", dnsNames: ["revoked.acme.test"])
            let reconciler = s.certificateReconciler(acme)
            #expect(try await s.driveToReady(reconciler, "revoked").ready)
            let first = try await s.h.leaf(ofSecret: "revoked-tls")
            try await s.h.edit("revoked") { $0.metadata.annotations[KeywardAnnotations.revoke] = "keyCompromise" }
            let replaced = try await within(120, every: .milliseconds(200)) {
                try await s.pass(reconciler, "revoked")
                let current = try await s.h.leaf(ofSecret: "revoked-tls")
                let ready = try await s.ready("revoked")
                return current.serialHex != first.serialHex && ready?.status == .true
            }
            #expect(replaced)
            let status = try await s.pebble.certificateStatus(serialHex: first.serialHex)
            #expect(status.contains("Revoked"), "\(status)")
            let second = try await s.h.leaf(ofSecret: "revoked-tls")
            #expect(try await s.pebble.certificateStatus(serialHex: second.serialHex).contains("Valid"))
            #expect(await s.sink.reasons(for: "revoked").contains(ACMEEventReason.revoked))
            #expect(try await s.h.certificate("revoked").metadata.annotations[KeywardAnnotations.revoke] == nil)
        }
    }
}
