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
import X509

/// The DNS-01 solver over RFC 2136 against a real BIND (TSIG-signed updates) with a real Pebble validating through
/// that BIND: a wildcard and its base name are authorised, the certificate is issued, and the TXT records are gone
/// afterwards (checked with dig).
@Suite(.serialized) struct RFC2136SolverTests {
    static let loopback = EgressPolicy(allow: [try! CIDR(parsing: "127.0.0.0/8")])

    static func solverEntry(_ bind: BindServer, secretName: String = "tsig") -> IssuerSpec.ACME.Solver {
        IssuerSpec.ACME.Solver(dns01: IssuerSpec.ACME.DNS01(rfc2136: IssuerSpec.ACME.DNS01.RFC2136(
            nameserver: bind.address, tsigKeyName: bind.keyName,
            tsigSecretSecretRef: IssuerSpec.ACME.SecretKeySelector(name: secretName), tsigAlgorithm: "HMACSHA256")))
    }

    static func context(_ h: Harness, _ bind: BindServer, secretName: String = "tsig",
                        egress: EgressPolicy = RFC2136SolverTests.loopback) -> ACMESolverContext {
        ACMESolverContext(certificateNamespace: "default", certificateName: "wild", certificateUID: nil,
                          issuerDisplayName: "Issuer/pebble", solver: solverEntry(bind, secretName: secretName),
                          secretNamespace: "default", store: h.store, egress: egress, now: Date())
    }

    static func storeSecret(_ h: Harness, name: String = "tsig", value: String) async throws {
        _ = try await h.store.create(Secret(metadata: ObjectMeta(name: name, namespace: "default"),
                                            data: ["secret": Data(value.utf8)]))
    }

    @Test func aWildcardAndItsBaseNameAreIssuedThroughPebbleAndTheRecordsAreRemoved() async throws {
        try await Harness.with(.cluster) { h in
            let bind = try await BindServer(zone: "example.test", hosts: ["www"])
            let pebble = try await PebbleServer.start(PebbleServer.Options(dnsServer: bind.address))
            try await Self.storeSecret(h, value: bind.keySecret)
            let accountKey = ACMEAccountKey.generateP256()
            let client = ACMEClient(configuration: ACMEClientConfiguration(directoryURL: pebble.directoryURL,
                                                                           caPEM: pebble.tlsCertificatePEM, egress: Self.loopback),
                                    accountKey: accountKey)
            _ = try await client.registerAccount(termsOfServiceAgreed: true)
            let order = try await client.newOrder(identifiers: [.dns("*.example.test"), .dns("example.test")])
            let solver = RFC2136Solver()
            let context = Self.context(h, bind)

            var tasks: [ACMEChallengeTask] = []
            for url in order.authorizationURLs {
                let authorization = try await client.authorization(at: url)
                guard authorization.status == .pending else { continue }
                let challenge = try #require(authorization.challenge(ofType: "dns-01"))
                tasks.append(ACMEChallengeTask(
                    dnsName: authorization.wildcard ? "*.\(authorization.identifier.value)" : authorization.identifier.value,
                    type: .dns01, url: challenge.url.absoluteString, token: challenge.token,
                    keyAuthorization: ACMEKeyAuthorization.keyAuthorization(token: challenge.token, accountKey: accountKey),
                    solverIndex: 0))
            }
            #expect(tasks.count == 2)
            // Both challenges write at _acme-challenge.example.test (the wildcard's base name): two values, one RRset.
            #expect(Set(tasks.map(\.dns01RecordName)) == ["_acme-challenge.example.test"])
            for task in tasks {
                #expect(await solver.selfCheck(task, context: context) != .ready)
                try await solver.present(task, context: context)
                try await solver.present(task, context: context)  // idempotent: a restarted controller repeats it
            }
            #expect(try await bind.txtValues("_acme-challenge.example.test") == tasks.map(\.dns01RecordValue).sorted())
            for task in tasks {
                #expect(await within(60) { await solver.selfCheck(task, context: context) == .ready })
                _ = try await client.respond(toChallengeAt: try #require(URL(string: task.url)))
            }
            var ready = try await client.order(at: order.url)
            let validated = try await within(120, every: .milliseconds(250)) {
                ready = try await client.order(at: order.url)
                return ready.status != .pending
            }
            #expect(validated && ready.status == .ready, "order \(ready.status): \(String(describing: ready.error))")

            // Cleanup after the authorizations are final; a second cleanup is a no-op.
            for task in tasks {
                try await solver.cleanup(task, context: context)
                try await solver.cleanup(task, context: context)
            }
            #expect(try await bind.txtValues("_acme-challenge.example.test") == [])
            #expect(try await bind.dig(["TXT", "_acme-challenge.example.test"]).stdout.contains("ANSWER: 0"))

            // The CSR from openssl: the solver is what is under test here, not Keyward's CSR.
            let scratch = try TemporaryDirectory(prefix: "keyward-dns01-csr")
            let made = try await ExternalTool.openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                                      "-keyout", scratch.path("key.pem"), "-subj", "/CN=example.test",
                                                      "-addext", "subjectAltName=DNS:*.example.test,DNS:example.test",
                                                      "-outform", "DER", "-out", scratch.path("csr.der"))
            #expect(made.status == 0, "\(made)")
            let csr = [UInt8](try Data(contentsOf: scratch.url.appendingPathComponent("csr.der")))
            var finalized = try await client.finalize(order: ready, csrDER: csr)
            let issued = try await within(120, every: .milliseconds(250)) {
                finalized = try await client.order(at: order.url)
                return finalized.status == .valid || finalized.status == .invalid
            }
            #expect(issued && finalized.status == .valid)
            let chain = try await client.downloadCertificate(at: try #require(finalized.certificateURL))
            let leaf = try #require(try PEMBundle.certificates(from: chain.pem).first)
            let names = try leaf.extensions.subjectAlternativeNames?.compactMap { name -> String? in
                if case .dnsName(let value) = name { return value } else { return nil }
            }
            #expect(Set(names ?? []) == ["*.example.test", "example.test"])
            await pebble.stop()
            await bind.stop()
        }
    }

    @Test func failuresAreConditionTextWithoutTheSecretAndCleanupIsIdempotent() async throws {
        try await Harness.with(.cluster) { h in
            let bind = try await BindServer(zone: "example.test", hosts: ["www"])
            let task = ACMEChallengeTask(dnsName: "*.www.example.test", type: .dns01, url: "https://ca.test/chall/1",
                                         token: "tok", keyAuthorization: "tok.thumb", solverIndex: 0)
            let solver = RFC2136Solver(attemptTimeout: .seconds(1), attempts: 1)

            // No Secret yet: retryable (it may be created), naming the field.
            do {
                try await solver.present(task, context: Self.context(h, bind))
                Issue.record("presented without a TSIG secret")
            } catch let error as ACMESolverError {
                #expect(error.isRetryable && error.message.contains("tsigSecretSecretRef"), "\(error)")
            }

            // A wrong secret: BIND answers BADSIG; not retryable, the message never quotes either secret.
            let wrong = Data("wrong-secret-wrong-secret-wrong!!".utf8).base64EncodedString()
            try await Self.storeSecret(h, name: "wrong", value: wrong)
            do {
                try await solver.present(task, context: Self.context(h, bind, secretName: "wrong"))
                Issue.record("a wrong TSIG secret was accepted")
            } catch let error as ACMESolverError {
                #expect(!error.isRetryable && error.message.contains("BADSIG"), "\(error)")
                #expect(!error.message.contains(wrong) && !error.message.contains(bind.keySecret))
            }

            // The operator's default egress policy denies loopback: nothing is sent.
            try await Self.storeSecret(h, value: bind.keySecret)
            do {
                try await solver.present(task, context: Self.context(h, bind, egress: EgressPolicy()))
                Issue.record("a denied nameserver was contacted")
            } catch let error as ACMESolverError {
                #expect(!error.isRetryable && error.message.contains("egress"), "\(error)")
            }
            #expect(try await bind.txtValues("_acme-challenge.www.example.test") == [])

            // The self-check says what it waits for; cleanup before and after present, twice, is fine.
            guard case .notReady(let awaited) = await solver.selfCheck(task, context: Self.context(h, bind)) else {
                Issue.record("ready before present"); return
            }
            #expect(awaited.contains("ns1.example.test."), "\(awaited)")
            try await solver.cleanup(task, context: Self.context(h, bind))
            try await solver.present(task, context: Self.context(h, bind))
            #expect(try await bind.txtValues("_acme-challenge.www.example.test") == [task.dns01RecordValue])
            #expect(await solver.selfCheck(task, context: Self.context(h, bind)) == .ready)
            try await solver.cleanup(task, context: Self.context(h, bind))
            try await solver.cleanup(task, context: Self.context(h, bind))
            #expect(try await bind.txtValues("_acme-challenge.www.example.test") == [])
            await bind.stop()
        }
    }
}
