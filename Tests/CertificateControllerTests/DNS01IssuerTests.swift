import ACME
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

/// DNS-01 end to end through the `acme` Issuer: a wildcard Certificate becomes Ready from a real Pebble that validates
/// through a real BIND, which the RFC 2136 solver updates with TSIG; the TXT records are gone afterwards (dig).
@Suite(.serialized) struct DNS01IssuerTests {
    @Test func aWildcardCertificateBecomesReadyThroughAnAcmeIssuerWithDNS01() async throws {
        try await Harness.with(.cluster) { h in
            let bind = try await BindServer(zone: "example.test", hosts: ["www"])
            let pebble = try await PebbleServer.start(PebbleServer.Options(dnsServer: bind.address))
            try await RFC2136SolverTests.storeSecret(h, value: bind.keySecret)
            var acme = ACMEOptions(egress: RFC2136SolverTests.loopback, solvers: ACMESolvers([RFC2136Solver()]))
            acme.pollInterval = 1
            _ = try await h.store.create(IssuerResource(
                metadata: ObjectMeta(name: "pebble", namespace: "default"),
                spec: IssuerSpec(acme: IssuerSpec.ACME(
                    server: pebble.directoryURL.absoluteString, privateKeySecretRef: .init(name: "pebble-account"),
                    caBundle: String(decoding: pebble.tlsCertificatePEM, as: UTF8.self), solvers: [RFC2136SolverTests.solverEntry(bind)]))))
            var issuerOptions = IssuerReconciler<IssuerResource>.Options()
            issuerOptions.acme = acme
            _ = try await IssuerReconciler<IssuerResource>(store: h.store, events: EventRecorder(sink: h.sink, clock: h.clock),
                                                           clock: h.clock, options: issuerOptions)
                .reconcile(ObjectKey(namespace: "default", name: "pebble"))
            _ = try await h.store.create(Certificate(
                metadata: ObjectMeta(name: "wild", namespace: "default"),
                spec: Certificate.Spec(secretName: "wild-tls", issuer: .init(issuerRef: .init(kind: .issuer, name: "pebble")),
                                       dnsNames: ["*.example.test", "example.test"])))
            var options = CertificateReconciler.Options()
            options.acme = acme
            let reconciler = CertificateReconciler(store: h.store, events: EventRecorder(sink: h.sink, clock: h.clock),
                                                   clock: h.clock, options: options)
            var sawRecord = false
            let ready = try await within(180, every: .milliseconds(250)) {
                _ = try await reconciler.reconcile(ObjectKey(namespace: "default", name: "wild"))
                if try await !bind.txtValues("_acme-challenge.example.test").isEmpty { sawRecord = true }
                return try await h.certificate("wild").status?.conditions[type: "Ready"]?.status == .true
            }
            let condition = try await h.certificate("wild").status?.conditions[type: "Ready"]
            #expect(ready, "\(condition?.reason ?? ""): \(condition?.message ?? "")")
            #expect(sawRecord)
            // The TXT records are gone afterwards, as a DNS query shows.
            #expect(try await bind.txtValues("_acme-challenge.example.test") == [])
            #expect(try await bind.dig(["TXT", "_acme-challenge.example.test"]).stdout.contains("ANSWER: 0"))
            let leaf = try await h.leaf(ofSecret: "wild-tls")
            #expect(Set(leaf.dnsNames) == ["*.example.test", "example.test"])
            let files = try await h.exportSecret("wild-tls", prefix: "wild")
            let root = try h.directory.write("wild-pebble-root.pem", try await pebble.rootPEM())
            let verified = try await opensslVerify(ca: root, chain: files.chain, leaf: files.leaf)
            #expect(verified.status == 0, "\(verified)")
            await pebble.stop()
            await bind.stop()
        }
    }
}
