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
import TLSProbe

/// The endpoint probe reconciler over both stores, against a real nginx serving the Secret's files.
@Suite("Endpoint probes and the Served condition")
struct EndpointProbeTests {
    static let loopback = EgressPolicy(allow: [try! CIDR(parsing: "127.0.0.0/8")])

    /// Records what observers are told (the notification hook).
    actor RecordingObserver: EndpointProbeObserver {
        var transitions: [(status: Condition.Status, reason: String)] = []
        var observed = 0
        func observe(_ certificate: Certificate) async { observed += 1 }
        func servedChanged(_ certificate: Certificate, to served: Condition, from previous: Condition?) async {
            transitions.append((served.status, served.reason))
        }
    }

    struct Setup {
        let h: Harness
        let files: TemporaryDirectory
        let observer = RecordingObserver()
        let probes: EndpointProbeReconciler

        init(_ h: Harness, egress: EgressPolicy = EndpointProbeTests.loopback) throws {
            self.h = h
            files = try TemporaryDirectory()
            probes = EndpointProbeReconciler(store: h.store, events: EventRecorder(sink: h.sink, clock: h.clock),
                                             prober: TLSProber(egress: egress, timeout: .seconds(5)), clock: h.clock,
                                             observers: [observer])
        }

        /// What `keyward sync` would do: the Secret's certificate and key as the files nginx reads.
        func syncFiles(_ secretName: String = "web-tls") async throws {
            let secret = try #require(try await h.secret(secretName))
            try files.write("tls.crt", try #require(secret.string(CertificateSecret.certificateKey)))
            try files.write("tls.key", try #require(secret.string(CertificateSecret.privateKeyKey)))
        }

        @discardableResult
        func probe(_ name: String = "web") async throws -> ReconcileResult {
            try await probes.reconcile(ObjectKey(namespace: h.namespace, name: name))
        }

        func served(_ name: String = "web") async throws -> Condition? {
            try await h.condition(name, Certificate.ConditionType.served)
        }
    }

    static func webSpec(endpoint: String, serverName: String? = "web.probe.test") -> Certificate.Spec {
        Certificate.Spec(secretName: "web-tls", issuer: .init(selfSigned: .init()), commonName: "web.probe.test",
                         dnsNames: ["web.probe.test"], duration: "720h",
                         endpoints: [Certificate.Endpoint(address: endpoint, serverName: serverName)])
    }

    @Test("current, stale after a renewal nginx has not reloaded, current again after the reload; prompt bounded retries",
          arguments: Backend.allCases)
    func staleUntilReload(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            let s = try Setup(h)
            // nginx needs files before it starts: issue first, with a placeholder endpoint port fixed below.
            try await h.create("web", Self.webSpec(endpoint: "127.0.0.1:1"))
            try await h.converge("web")
            try await s.syncFiles()
            let nginx = try await NginxServer(certificateFile: s.files.path("tls.crt"), keyFile: s.files.path("tls.key"))
            try await h.edit("web") { $0.spec.endpoints = [Certificate.Endpoint(address: nginx.address, serverName: "web.probe.test")] }
            try await h.converge("web")
            let first = try #require(try await h.certificate("web").status?.serialNumber)

            let steady = try await s.probe()
            var served = try #require(try await s.served())
            #expect(served.status == .true && served.reason == Certificate.Reason.servedCurrent, "\(served)")
            let entry = try #require(try await h.certificate("web").status?.endpoints.first)
            #expect(entry.servedSerial == first && entry.matches && entry.error == nil && entry.servedNotAfter != nil)
            #expect(steady.requeueAfter == 300, "a current endpoint is probed again at its interval")

            // Forced renewal: the Secret changes, nginx still serves the old files.
            try await h.edit("web") { $0.metadata.annotations[KeywardAnnotations.renew] = "now" }
            try await h.converge("web")
            let second = try #require(try await h.certificate("web").status?.serialNumber)
            #expect(second != first)
            #expect(try await h.certificate("web").status?.issuedSerials.suffix(2) == [first, second])
            let prompt = try await s.probe()
            served = try #require(try await s.served())
            #expect(served.status == .false && served.reason == Certificate.Reason.servedStale, "\(served)")
            #expect(served.message.contains(first))
            // Prompt retries: 2, 4, 8 … s after each probe that still finds the old serial, then the interval.
            var delays = [try #require(prompt.requeueAfter)]
            for _ in 0..<6 {
                h.clock.advance(by: delays.last ?? 0)
                delays.append(try #require(try await s.probe().requeueAfter))
            }
            #expect(delays == [2, 4, 8, 16, 32, 64, 300], "\(delays)")
            #expect(try await s.served()?.reason == Certificate.Reason.servedStale)

            // The sidecar's reload lands: the next probe finds the current serial.
            try await s.syncFiles()
            try await nginx.reload()
            let landed = await within(30, every: .milliseconds(100)) {
                h.clock.advance(by: 300)
                _ = try? await s.probe()
                return (try? await s.served()?.status) == .true
            }
            #expect(landed, "Served=True once nginx reloaded\n\(nginx.errorLog)")
            #expect(try await h.certificate("web").status?.endpoints.first?.servedSerial == second)
            let transitions = await s.observer.transitions.map(\.reason)
            #expect(transitions == [Certificate.Reason.servedCurrent, Certificate.Reason.servedStale, Certificate.Reason.servedCurrent])
            let reasons = await h.sink.reasons(for: "web")
            #expect(reasons.contains(Certificate.Reason.servedStale) && reasons.contains(Certificate.Reason.servedCurrent))
            await nginx.stop()
        }
    }

    @Test("a certificate Keyward did not issue is UnknownCertificate; a closed port is Unreachable")
    func unknownAndUnreachable() async throws {
        try await Harness.with(.files) { h in
            let s = try Setup(h)
            // nginx serves a certificate of its own, not the Secret's.
            let key = try PrivateKey.generate(.ecdsaP256)
            let foreign = try Issuer.selfSigned.issue(
                template: CertificateTemplate(commonName: "web.probe.test", dnsNames: ["web.probe.test"], duration: 86400),
                subjectKey: key, now: Date().addingTimeInterval(-60))
            try s.files.write("tls.crt", foreign.fullchainPEM)
            try s.files.write("tls.key", key.pemEncoded())
            let nginx = try await NginxServer(certificateFile: s.files.path("tls.crt"), keyFile: s.files.path("tls.key"))
            let closed = try ClosedPort()  // refuses connections, and no other test's server can take it meanwhile
            var spec = Self.webSpec(endpoint: nginx.address)
            spec.endpoints.append(Certificate.Endpoint(address: closed.address))
            try await h.create("web", spec)
            try await h.converge("web")
            try await s.probe()
            let served = try #require(try await s.served())
            #expect(served.status == .false && served.reason == Certificate.Reason.servedUnknown, "drift outranks unreachable: \(served)")
            let entries = try await h.certificate("web").status?.endpoints ?? []
            #expect(entries.map(\.reason) == [Certificate.Reason.servedUnknown, Certificate.Reason.servedUnreachable])
            #expect(entries.last?.error == ProbeFailure.unreachable(.connectionFailed).description)
            await nginx.stop()
            withExtendedLifetime(closed) {}
        }
    }

    @Test("the default egress policy keeps probes off loopback: Unreachable, nothing connected")
    func egressDenied() async throws {
        try await Harness.with(.files) { h in
            let s = try Setup(h, egress: EgressPolicy())
            let listener = try CountingListener()
            try await h.create("web", Self.webSpec(endpoint: "127.0.0.1:\(listener.port)"))
            try await h.converge("web")
            try await s.probe()
            listener.stop()
            let served = try #require(try await s.served())
            #expect(served.reason == Certificate.Reason.servedUnreachable)
            #expect(served.message.contains("egress policy"))
            #expect(listener.connectionCount == 0)
        }
    }

    /// Hostile tenant input: an endpoint at the cloud metadata address is refused before any connection.
    @Test("an endpoint at the cloud metadata address is refused by the egress policy: Unreachable, naming it")
    func metadataAddressRefused() async throws {
        try await Harness.with(.files) { h in
            let s = try Setup(h, egress: EgressPolicy())
            try await h.create("web", Self.webSpec(endpoint: "169.254.169.254:443"))
            try await h.converge("web")
            try await s.probe()
            let served = try #require(try await s.served())
            #expect(served.reason == Certificate.Reason.servedUnreachable)
            #expect(served.message.contains("egress policy"))
        }
    }

    @Test("endpoints removed: status and Served go; invalid endpoints name the field")
    func removalAndValidation() async throws {
        try await Harness.with(.files) { h in
            let s = try Setup(h)
            try await h.create("web", Self.webSpec(endpoint: "127.0.0.1:1"))
            try await h.converge("web")
            try await s.probe()
            #expect(try await s.served() != nil)
            try await h.edit("web") { $0.spec.endpoints = [] }
            #expect(try await s.probe() == .done)
            #expect(try await s.served() == nil)
            #expect(try await h.certificate("web").status?.endpoints.isEmpty == true)
        }
        var spec = Self.webSpec(endpoint: "web:443")
        spec.endpoints = [
            Certificate.Endpoint(address: "web"), Certificate.Endpoint(address: "web:443", serverName: "a b"),
            Certificate.Endpoint(address: "web2:443", interval: "1s"), Certificate.Endpoint(address: "web:443"),
            Certificate.Endpoint(address: "web:443"),
        ]
        let fields = spec.validate().map(\.field)
        #expect(fields == ["spec.endpoints[0].address", "spec.endpoints[1].serverName", "spec.endpoints[2].interval",
                           "spec.endpoints[4]"], "\(spec.validate())")
        spec.endpoints = Array(repeating: Certificate.Endpoint(address: "web:443"), count: 11).enumerated()
            .map { Certificate.Endpoint(address: "web\($0.offset):443") }
        #expect(spec.validate().map(\.field) == ["spec.endpoints"])
    }

    @Test("endpoint series follow status.endpoints and go with the endpoint or the Certificate")
    func metrics() async throws {
        let registry = KeywardMetrics()
        let metrics = registry.family(EndpointMetrics.self)
        var certificate = Certificate(metadata: ObjectMeta(name: "web", namespace: "shop"), spec: Self.webSpec(endpoint: "a.shop.svc:443"))
        let checked = Date(timeIntervalSince1970: 1_900_000_000)
        certificate.status = Certificate.Status()
        certificate.status?.endpoints = [
            Certificate.EndpointStatus(address: "a.shop.svc:443", serverName: "web.probe.test", servedSerial: "0A", servedNotAfter: checked,
                                       matches: false, lastChecked: checked, reason: Certificate.Reason.servedStale),
            Certificate.EndpointStatus(address: "b.shop.svc:443", matches: false, lastChecked: checked,
                                       reason: Certificate.Reason.servedUnreachable, error: "unreachable: timed out"),
        ]
        await metrics.observe(certificate)
        var text = String(decoding: registry.exposition(), as: UTF8.self)
        let a = #"namespace="shop",name="web",endpoint="a.shop.svc:443",server_name="web.probe.test""#
        let b = #"namespace="shop",name="web",endpoint="b.shop.svc:443",server_name="""#
        #expect(text.contains("keyward_certificate_endpoint_up{\(a)} 1"), "\(text)")
        #expect(text.contains("keyward_certificate_endpoint_serving_current{\(a)} 0"))
        #expect(text.contains("keyward_certificate_endpoint_not_after_seconds{\(a)} 1900000000"))
        #expect(text.contains("keyward_certificate_endpoint_up{\(b)} 0"))
        #expect(!text.contains("keyward_certificate_endpoint_not_after_seconds{\(b)"))

        certificate.status?.endpoints.removeLast()
        certificate.status?.endpoints[0].matches = true
        await metrics.observe(certificate)
        text = String(decoding: registry.exposition(), as: UTF8.self)
        #expect(text.contains("keyward_certificate_endpoint_serving_current{\(a)} 1"))
        #expect(!text.contains("endpoint=\"b.shop.svc:443\""), "a removed endpoint's series go")
        await metrics.removed(namespace: "shop", name: "web")
        #expect(!String(decoding: registry.exposition(), as: UTF8.self).contains("keyward_certificate_endpoint_"))
    }

    @Test func issuedSerialHistoryIsBounded() {
        var status = Certificate.Status()
        for serial in 1...15 { status.recordIssuedSerial(String(serial, radix: 16).uppercased()) }
        status.recordIssuedSerial("F")
        #expect(status.issuedSerials == ["6", "7", "8", "9", "A", "B", "C", "D", "E", "F"])
    }
}
