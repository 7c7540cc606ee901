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

/// Issuer and ClusterIssuer over both stores: their Ready condition, Certificates issued through `issuerRef`
/// (checked with openssl), waiting with IssuerNotReady, and a CA change re-issuing the leaves.
@Suite("Issuer and ClusterIssuer")
struct IssuerResourceTests {
    static let clusterResourceNamespace = "keyward-system"

    /// The Harness's store and clock with reconcilers that know the cluster resource namespace.
    struct Issuers {
        let h: Harness
        let certificates: CertificateReconciler
        let issuers: IssuerReconciler<IssuerResource>
        let clusterIssuers: IssuerReconciler<ClusterIssuerResource>

        init(_ h: Harness) async throws {
            self.h = h
            let events = EventRecorder(sink: h.sink, clock: h.clock)
            var options = CertificateReconciler.Options()
            options.clusterResourceNamespace = IssuerResourceTests.clusterResourceNamespace
            certificates = CertificateReconciler(store: h.store, events: events, clock: h.clock, options: options)
            let issuerOptions = IssuerReconciler<IssuerResource>.Options(clusterResourceNamespace: IssuerResourceTests.clusterResourceNamespace)
            issuers = IssuerReconciler(store: h.store, events: events, clock: h.clock, options: issuerOptions)
            clusterIssuers = IssuerReconciler(store: h.store, events: events, clock: h.clock,
                                              options: .init(clusterResourceNamespace: IssuerResourceTests.clusterResourceNamespace))
            if h.client != nil {  // the API server wants the namespace to exist
                _ = try await h.store.create(Namespace(name: IssuerResourceTests.clusterResourceNamespace))
            }
        }

        func caSecret(_ name: String, namespace: String, _ material: IssuerMaterial, certificate: String? = nil) async throws {
            let data = ["tls.crt": Data((certificate ?? material.caCertificate).utf8), "tls.key": Data(material.caKey.utf8)]
            if var existing = try await h.store.get(Secret.self, namespace: namespace, name: name) {
                existing.data = data
                _ = try await h.store.update(existing)
            } else {
                _ = try await h.store.create(Secret(metadata: ObjectMeta(name: name, namespace: namespace), type: Secret.tlsType,
                                                    data: data))
            }
        }

        func issuer(_ name: String, _ spec: IssuerSpec) async throws {
            _ = try await h.store.create(IssuerResource(metadata: ObjectMeta(name: name, namespace: h.namespace), spec: spec))
        }

        func clusterIssuer(_ name: String, _ spec: IssuerSpec) async throws {
            _ = try await h.store.create(ClusterIssuerResource(metadata: ObjectMeta(name: name), spec: spec))
        }

        func readyCondition(issuer name: String) async throws -> Condition? {
            try await h.store.get(IssuerResource.self, namespace: h.namespace, name: name)?.status?.conditions[type: "Ready"]
        }

        func readyCondition(clusterIssuer name: String) async throws -> Condition? {
            try await h.store.get(ClusterIssuerResource.self, namespace: nil, name: name)?.status?.conditions[type: "Ready"]
        }

        func reconcile(issuer name: String) async throws {
            _ = try await issuers.reconcile(ObjectKey(namespace: h.namespace, name: name))
        }

        func reconcile(clusterIssuer name: String) async throws {
            _ = try await clusterIssuers.reconcile(ObjectKey(namespace: nil, name: name))
        }

        func reconcile(certificate name: String) async throws {
            _ = try await certificates.reconcile(ObjectKey(namespace: h.namespace, name: name))
        }

        /// openssl verifies the leaf in `secretName` against `caPEM`.
        func verify(_ secretName: String, caPEM: String, prefix: String) async throws -> ExternalTool.Output {
            let files = try await h.exportSecret(secretName, prefix: prefix)
            let ca = try h.directory.write("\(prefix)-expected-ca.pem", caPEM)
            return try await opensslVerify(ca: ca, chain: files.chain, leaf: files.leaf)
        }
    }

    static func leafSpec(_ secretName: String, _ issuer: Certificate.IssuerReference) -> Certificate.Spec {
        Certificate.Spec(secretName: secretName, issuer: issuer, commonName: "web.example.com", dnsNames: ["web.example.com"],
                         duration: "720h")
    }

    @Test("a ca Issuer with a usable Secret is Ready; a Certificate via issuerRef is issued and openssl verifies it",
          arguments: Backend.allCases)
    func caIssuer(backend: Backend) async throws {
        try await Harness.with(backend) { h in
            let t = try await Issuers(h)
            let material = try IssuerMaterial(now: h.clock.now)
            try await t.caSecret("team-ca-tls", namespace: h.namespace, material)
            try await t.issuer("team-ca", .ca(secretName: "team-ca-tls"))
            try await t.reconcile(issuer: "team-ca")
            let ready = try #require(try await t.readyCondition(issuer: "team-ca"))
            #expect(ready.status == .true && ready.reason == IssuerReason.keyPairVerified, "\(ready)")
            #expect(ready.message.contains("Secret default/team-ca-tls"), "\(ready.message)")
            let stored = try #require(try await h.store.get(IssuerResource.self, namespace: h.namespace, name: "team-ca"))
            #expect(stored.status?.caFingerprintSHA256?.count == 64)
            #expect(stored.status?.caNotAfter != nil)

            try await h.create("web", Self.leafSpec("web-tls", .issuer("team-ca")))
            try await t.reconcile(certificate: "web")
            let certificate = try await h.certificate("web")
            #expect(certificate.status?.conditions.isTrue("Ready") == true, "\(String(describing: certificate.status))")
            #expect(certificate.status?.issuerName == "Issuer/team-ca")
            let verified = try await t.verify("web-tls", caPEM: material.caCertificate, prefix: "web")
            #expect(verified.status == 0, "\(verified)")
            // A steady state writes nothing more.
            let before = await h.writeCount()
            try await t.reconcile(issuer: "team-ca")
            try await t.reconcile(certificate: "web")
            #expect(await h.writeCount() == before)
        }
    }

    @Test("not Ready until the Secret holds a usable CA pair; meanwhile the Certificate waits with IssuerNotReady",
          arguments: Backend.allCases)
    func notReady(backend: Backend) async throws {
        try await Harness.with(backend) { h in
            let t = try await Issuers(h)
            let material = try IssuerMaterial(now: h.clock.now)
            try await t.issuer("team-ca", .ca(secretName: "team-ca-tls"))
            try await t.reconcile(issuer: "team-ca")
            var condition = try #require(try await t.readyCondition(issuer: "team-ca"))
            #expect(condition.status == .false && condition.reason == IssuerReason.secretNotFound, "\(condition)")
            #expect(condition.message.contains("default/team-ca-tls does not exist"))
            #expect(await h.sink.reasons(for: "team-ca").contains(IssuerReason.secretNotFound))

            try await h.create("web", Self.leafSpec("web-tls", .issuer("team-ca")))
            try await t.reconcile(certificate: "web")
            let issuing = try #require(try await h.condition("web", Certificate.ConditionType.issuing))
            #expect(issuing.reason == Certificate.Reason.issuerNotReady, "\(issuing)")
            #expect(issuing.message.contains("Issuer/team-ca is not Ready"), "\(issuing.message)")
            #expect(try await h.condition("web")?.status == .false)
            #expect(try await h.secret("web-tls") == nil)

            // A leaf certificate is no CA: still not Ready, named as such; no key bytes in the message.
            try await t.caSecret("team-ca-tls", namespace: h.namespace, material, certificate: material.leafCertificate)
            try await t.reconcile(issuer: "team-ca")
            condition = try #require(try await t.readyCondition(issuer: "team-ca"))
            #expect(condition.status == .false && condition.reason == IssuerReason.invalidKeyPair, "\(condition)")
            #expect(condition.message.contains("not a CA") || condition.message.contains("does not match"), "\(condition.message)")
            for line in material.keyLines { #expect(!condition.message.contains(line)) }

            // Fixed: Ready, and the Certificate is issued on its next pass.
            try await t.caSecret("team-ca-tls", namespace: h.namespace, material)
            try await t.reconcile(issuer: "team-ca")
            #expect(try await t.readyCondition(issuer: "team-ca")?.status == .true)
            try await t.reconcile(certificate: "web")
            #expect(try await h.condition("web")?.status == .true)
        }
    }

    @Test("ClusterIssuer: the CA Secret lives in the cluster resource namespace; a CA change re-issues the leaves",
          arguments: Backend.allCases)
    func clusterIssuerCAChange(backend: Backend) async throws {
        try await Harness.with(backend) { h in
            let t = try await Issuers(h)
            let first = try IssuerMaterial(now: h.clock.now)
            // A Secret of that name in the Certificate's own namespace is not the one used.
            try await t.caSecret("shared-ca-tls", namespace: h.namespace, try IssuerMaterial(now: h.clock.now))
            try await t.caSecret("shared-ca-tls", namespace: Self.clusterResourceNamespace, first)
            try await t.clusterIssuer("shared-ca", .ca(secretName: "shared-ca-tls"))
            try await t.reconcile(clusterIssuer: "shared-ca")
            let ready = try #require(try await t.readyCondition(clusterIssuer: "shared-ca"))
            #expect(ready.status == .true, "\(ready)")
            #expect(ready.message.contains("Secret \(Self.clusterResourceNamespace)/shared-ca-tls"), "\(ready.message)")

            try await h.create("web", Self.leafSpec("web-tls", .clusterIssuer("shared-ca")))
            try await t.reconcile(certificate: "web")
            #expect(try await h.condition("web")?.status == .true)
            #expect(try await h.certificate("web").status?.issuerName == "ClusterIssuer/shared-ca")
            #expect(try await t.verify("web-tls", caPEM: first.caCertificate, prefix: "first").status == 0)
            let firstSerial = try await h.certificate("web").status?.serialNumber
            let firstFingerprint = try await h.store.get(ClusterIssuerResource.self, namespace: nil, name: "shared-ca")?
                .status?.caFingerprintSHA256

            // The CA is replaced: the issuer records the new fingerprint, and the leaf re-issues under the new CA.
            let second = try IssuerMaterial(now: h.clock.now)
            try await t.caSecret("shared-ca-tls", namespace: Self.clusterResourceNamespace, second)
            try await t.reconcile(clusterIssuer: "shared-ca")
            let secondFingerprint = try await h.store.get(ClusterIssuerResource.self, namespace: nil, name: "shared-ca")?
                .status?.caFingerprintSHA256
            #expect(secondFingerprint != nil && secondFingerprint != firstFingerprint)
            try await t.reconcile(certificate: "web")
            let renewed = try await h.certificate("web")
            #expect(renewed.status?.serialNumber != firstSerial)
            #expect(renewed.status?.conditions.isTrue("Ready") == true)
            #expect(try await t.verify("web-tls", caPEM: second.caCertificate, prefix: "second").status == 0)
            #expect(try await t.verify("web-tls", caPEM: first.caCertificate, prefix: "stale").status != 0)
        }
    }

    @Test("a selfSigned Issuer is Ready at once and its Certificates sign themselves; a missing one is waited for",
          arguments: Backend.allCases)
    func selfSignedAndMissing(backend: Backend) async throws {
        try await Harness.with(backend) { h in
            let t = try await Issuers(h)
            try await h.create("lonely", Self.leafSpec("lonely-tls", .issuer("nobody")))
            try await t.reconcile(certificate: "lonely")
            let waiting = try #require(try await h.condition("lonely", Certificate.ConditionType.issuing))
            #expect(waiting.reason == Certificate.Reason.issuerNotReady)
            #expect(waiting.message.contains("Issuer nobody does not exist"), "\(waiting.message)")

            try await t.issuer("self", .selfSigned)
            try await t.reconcile(issuer: "self")
            let ready = try #require(try await t.readyCondition(issuer: "self"))
            #expect(ready.status == .true && ready.reason == IssuerReason.selfSigned)
            try await h.create("own", Self.leafSpec("own-tls", .issuer("self")))
            try await t.reconcile(certificate: "own")
            #expect(try await h.condition("own")?.status == .true)
            let files = try await h.exportSecret("own-tls", prefix: "own")
            let verified = try await opensslVerify(ca: files.leaf, chain: files.chain, leaf: files.leaf)
            #expect(verified.status == 0, "\(verified)")
        }
    }
}
