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

/// The CA's CRL state is owned by the CA: the ConfigMap `<ca>-crl` is output only, a CRL is trusted only when the CA
/// signed it, the number never traps, and entries of expired certificates are pruned.
@Suite("CRL state owned by the CA")
struct CRLTrustTests {
    /// A tenant's forgery: a self-signed "CA" with the real CA's name and its own key, signing whatever CRL it likes.
    static func forgedCRL(subject: DistinguishedName, number: CRLNumber, serials: [[UInt8]], now: Date) throws
        -> CertificateRevocationList
    {
        let key = try PrivateKey.generate(.ecdsaP256)
        let fake = try Issuer.selfSigned.issue(template: CertificateTemplate(commonName: "Test Root CA", duration: 86_400,
                                                                             isCA: true),
                                               subjectKey: key, now: now.addingTimeInterval(-60))
        #expect(fake.certificate.subject == subject, "the forgery carries the real CA's name")
        let entries = serials.map { RevokedCertificate(serialNumber: Certificate.SerialNumber(bytes: ArraySlice($0)),
                                                       revocationDate: now, reason: .keyCompromise) }
        return try #require(try Issuer(certificate: fake.certificate, privateKey: key)
            .makeCRL(thisUpdate: now, nextUpdate: now.addingTimeInterval(86_400), crlNumber: number, entries: entries))
    }

    /// Replaces (or creates) the CRL ConfigMap the way a tenant with ConfigMap rights would.
    static func plant(_ h: Harness, _ crl: CertificateRevocationList, labelled: Bool = true) async throws {
        let name = CRLPublisher.configMapName(forIssuer: "root-ca")
        if var existing = try await h.store.get(ConfigMap.self, namespace: h.namespace, name: name) {
            existing.data = [CRLPublisher.pemKey: crl.pemEncoded]
            existing.binaryData = [CRLPublisher.derKey: Data(crl.derEncoded)]
            _ = try await h.store.update(existing)
        } else {
            _ = try await h.store.create(ConfigMap(
                metadata: ObjectMeta(name: name, namespace: h.namespace, labels: labelled ? KeywardLabels.standard : [:]),
                data: [CRLPublisher.pemKey: crl.pemEncoded], binaryData: [CRLPublisher.derKey: Data(crl.derEncoded)]))
        }
    }

    static func published(_ h: Harness) async throws -> CertificateRevocationList {
        let map = try #require(try await h.store.get(ConfigMap.self, namespace: h.namespace, name: "root-ca-crl"))
        return try CertificateRevocationList(pemEncoded: try #require(map.data?[CRLPublisher.pemKey]))
    }

    static func truth(_ h: Harness) async throws -> CertificateRevocationList {
        let secret = try #require(try await h.secret("root-ca"))
        return try CertificateRevocationList(pemEncoded: try #require(secret.string(CertificateSecret.crlKey)))
    }

    static func caCertificate(_ h: Harness) async throws -> X509.Certificate {
        let secret = try #require(try await h.secret("root-ca"))
        let pem = try #require(secret.string(CertificateSecret.certificateKey))
        return try #require(try PEMBundle.certificates(from: pem).first)
    }

    @Test("a forged CRL with number 2^64-1 in the ConfigMap is ignored and overwritten; nothing traps", arguments: Backend.allCases)
    func forgedMaximumNumber(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("root-ca", .rootCA())
            try await h.create("web", .leaf())
            try await h.converge("root-ca", "web")
            let ca = try await Self.caCertificate(h)
            let before = try await Self.truth(h)

            let forged = try Self.forgedCRL(subject: ca.subject, number: CRLNumber(UInt64.max),
                                            serials: [[0x01, 0x02, 0x03], [0x7f, 0xee]], now: h.clock.now)
            #expect(!forged.isSigned(by: ca))
            try await Self.plant(h, forged)
            h.clock.advance(by: 6 * 86_400)  // due for re-signing: the publisher builds on the truth, not the forgery
            try await h.converge("root-ca", "web")

            let published = try await Self.published(h)
            #expect(published.isSigned(by: ca))
            #expect(published.entries.isEmpty, "forged entries were copied: \(published.entries.map(\.serialHex))")
            #expect(published.crlNumber == (try before.crlNumber.successor()))
            #expect(try await Self.truth(h) == published)
            #expect(try await h.condition("root-ca")?.status == .true)
        }
    }

    @Test("a forged ConfigMap is rewritten from the truth at once, even before re-signing is due", arguments: Backend.allCases)
    func forgedOutputIsRewritten(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("root-ca", .rootCA())
            try await h.converge("root-ca")
            let ca = try await Self.caCertificate(h)
            let truth = try await Self.truth(h)
            try await Self.plant(h, try Self.forgedCRL(subject: ca.subject, number: 99, serials: [[0x05]], now: h.clock.now))
            try await h.reconcile("root-ca")
            #expect(try await Self.published(h) == truth)
        }
    }

    @Test("an older CRL the CA really signed, replayed into the ConfigMap, rolls nothing back", arguments: Backend.allCases)
    func replayedOldCRL(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("root-ca", .rootCA())
            try await h.create("web", .leaf())
            try await h.converge("root-ca", "web")
            let old = try await Self.published(h)
            try await h.edit("web") { $0.metadata.annotations[KeywardAnnotations.revoke] = "keyCompromise" }
            try await h.converge("root-ca", "web")
            let revoked = try await Self.published(h)
            #expect(revoked.entries.count == 1)

            try await Self.plant(h, old)
            try await h.converge("root-ca", "web")
            let now = try await Self.published(h)
            #expect(now == revoked)
            #expect(now.entries.count == 1 && now.crlNumber > old.crlNumber)
        }
    }

    @Test("deleting the ConfigMap keeps the CRL number and every revocation", arguments: Backend.allCases)
    func deletedConfigMap(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("root-ca", .rootCA())
            try await h.create("web", .leaf())
            try await h.converge("root-ca", "web")
            try await h.edit("web") { $0.metadata.annotations[KeywardAnnotations.revoke] = "keyCompromise" }
            try await h.converge("root-ca", "web")
            let before = try await Self.published(h)

            try await h.store.delete(ConfigMap.self, namespace: h.namespace, name: "root-ca-crl")
            try await h.converge("root-ca", "web")
            #expect(try await Self.published(h) == before, "recreated from the truth, same number and entries")

            // The next revocation continues the numbering.
            try await h.store.delete(ConfigMap.self, namespace: h.namespace, name: "root-ca-crl")
            try await h.edit("web") { $0.metadata.annotations[KeywardAnnotations.revoke] = "superseded" }
            try await h.converge("root-ca", "web")
            let after = try await Self.published(h)
            #expect(after.crlNumber == (try before.crlNumber.successor()))
            #expect(Set(before.entries.map(\.serialHex)).isSubset(of: Set(after.entries.map(\.serialHex))))
            #expect(after.entries.count == 2)
        }
    }

    @Test("a ConfigMap made by a tenant without Keyward's label is taken over, not trusted", arguments: Backend.allCases)
    func unlabelledTenantConfigMap(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            let now = h.clock.now
            // Made before the CA exists, so its name is claimed first.
            let forged = try Self.forgedCRL(subject: try DistinguishedName { CommonName("Test Root CA") },
                                            number: CRLNumber(UInt64.max), serials: [[0x09]], now: now)
            try await Self.plant(h, forged, labelled: false)
            try await h.create("root-ca", .rootCA())
            try await h.converge("root-ca")
            let published = try await Self.published(h)
            #expect(published.isSigned(by: try await Self.caCertificate(h)))
            #expect(published.crlNumber == 1 && published.entries.isEmpty)
            let map = try #require(try await h.store.get(ConfigMap.self, namespace: h.namespace, name: "root-ca-crl"))
            #expect(map.metadata.labels[KeywardLabels.owned] == KeywardLabels.ownedValue)
            // Not made the CA's: deleting the CA must not take the tenant's ConfigMap with it.
            #expect(map.metadata.ownerReferences.isEmpty, "\(map.metadata.ownerReferences)")
        }
    }

    @Test("the CRL ConfigMap Keyward creates is owned by the CA and says whose CRL it is", arguments: Backend.allCases)
    func createdConfigMapIsTheCAs(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("root-ca", .rootCA())
            try await h.converge("root-ca")
            let map = try #require(try await h.store.get(ConfigMap.self, namespace: h.namespace, name: "root-ca-crl"))
            #expect(map.metadata.annotations[CRLPublisher.issuerAnnotation] == "root-ca")
            let ca = try await h.certificate("root-ca")
            if let uid = ca.metadata.uid { #expect(map.metadata.ownerReferences.map(\.uid) == [uid]) }
        }
    }

    @Test("entries of expired certificates leave the CRL and status once a CRL was issued after they expired",
          arguments: Backend.allCases)
    func expiredEntriesArePruned(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("root-ca", .rootCA())
            var spec = Certificate.Spec.leaf()
            spec.duration = "24h"
            spec.renewBefore = "1h"
            try await h.create("web", spec)
            try await h.converge("root-ca", "web")
            let first = try await h.leaf(ofSecret: "web-tls")
            try await h.edit("web") { $0.metadata.annotations[KeywardAnnotations.revoke] = "keyCompromise" }
            try await h.converge("root-ca", "web")
            #expect(try await Self.published(h).entries.map(\.serialHex) == [first.serialHex])
            #expect(try await h.certificate("web").status?.revokedCertificates.first?.notAfter == first.notAfter)

            // Past the revoked certificate's notAfter: the next CRL still lists it (RFC 5280: once beyond its
            // validity), the one after that does not.
            h.clock.advance(by: 6 * 86_400)
            try await h.converge("root-ca", "web")
            #expect(try await Self.published(h).entries.map(\.serialHex) == [first.serialHex])
            h.clock.advance(by: 6 * 86_400)
            try await h.converge("root-ca", "web")
            let pruned = try await Self.published(h)
            #expect(pruned.entries.isEmpty)
            #expect(try #require(try await h.secret("root-ca")).metadata.annotations[CRLPublisher.expiryAnnotation] == nil)
            #expect(try await h.certificate("web").status?.revokedCertificates == [])
        }
    }

    @Test("a ca.secretRef issuer keeps its CRL in a Secret Keyward owns; a foreign Secret of that name is never written",
          arguments: Backend.allCases)
    func secretRefIssuer(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            // The user's own CA Secret (taken from a Keyward CA, then handed over as a plain TLS Secret).
            try await h.create("root-ca", .rootCA("source-ca"))
            try await h.converge("root-ca")
            let source = try #require(try await h.secret("source-ca"))
            _ = try await h.store.create(Secret(metadata: ObjectMeta(name: "user-ca", namespace: h.namespace),
                                                type: Secret.tlsType,
                                                data: source.data.filter { $0.key == "tls.crt" || $0.key == "tls.key" }))
            var spec = Certificate.Spec.leaf("app-tls")
            spec.issuer = .init(ca: .init(secretRef: "user-ca"))
            try await h.create("app", spec)
            try await h.converge("app")
            let serial = try await h.leaf(ofSecret: "app-tls").serialHex

            // A tenant's forged CRL for it, and a foreign Secret squatting on the state name of another issuer.
            let sourcePEM = try #require(source.string("tls.crt"))
            let ca = try #require(try PEMBundle.certificates(from: sourcePEM).first)
            let forged = try Self.forgedCRL(subject: ca.subject, number: CRLNumber(UInt64.max), serials: [[0x42]], now: h.clock.now)
            _ = try await h.store.create(ConfigMap(metadata: ObjectMeta(name: "user-ca-crl", namespace: h.namespace),
                                                   data: [CRLPublisher.pemKey: forged.pemEncoded]))
            try await h.edit("app") { $0.metadata.annotations[KeywardAnnotations.revoke] = "keyCompromise" }
            try await h.converge("app")

            let state = try #require(try await h.secret("user-ca-crl"))
            #expect(CRLPublisher.isStateSecret(state, owner: "user-ca"))
            let truth = try CertificateRevocationList(pemEncoded: try #require(state.string(CertificateSecret.crlKey)))
            #expect(truth.isSigned(by: ca) && truth.crlNumber == 1 && truth.entries.map(\.serialHex) == [serial])
            let map = try #require(try await h.store.get(ConfigMap.self, namespace: h.namespace, name: "user-ca-crl"))
            #expect(map.data?[CRLPublisher.pemKey] == truth.pemEncoded)
            // The user's CA Secret is untouched.
            #expect(try #require(try await h.secret("user-ca")).data.keys.sorted() == ["tls.crt", "tls.key"])

            // Deleting the ConfigMap and revoking again continues from the state Secret.
            try await h.store.delete(ConfigMap.self, namespace: h.namespace, name: "user-ca-crl")
            try await h.edit("app") { $0.metadata.annotations[KeywardAnnotations.revoke] = "superseded" }
            try await h.converge("app")
            let next = try CertificateRevocationList(pemEncoded: try #require(
                try await h.store.get(ConfigMap.self, namespace: h.namespace, name: "user-ca-crl")?.data?[CRLPublisher.pemKey]))
            #expect(next.crlNumber == 2 && next.entries.count == 2 && next.isSigned(by: ca))
        }
    }

    @Test("a foreign Secret on a secretRef issuer's CRL state name is left alone and the revoke waits with an error naming it")
    func foreignStateSecret() async throws {
        try await Harness.with(.files) { h in
            try await h.create("root-ca", .rootCA("source-ca"))
            try await h.converge("root-ca")
            let source = try #require(try await h.secret("source-ca"))
            _ = try await h.store.create(Secret(metadata: ObjectMeta(name: "user-ca", namespace: h.namespace),
                                                type: Secret.tlsType,
                                                data: source.data.filter { $0.key == "tls.crt" || $0.key == "tls.key" }))
            let squatter = try await h.store.create(Secret(metadata: ObjectMeta(name: "user-ca-crl", namespace: h.namespace),
                                                           data: ["note": Data("mine".utf8)]))
            var spec = Certificate.Spec.leaf("app-tls")
            spec.issuer = .init(ca: .init(secretRef: "user-ca"))
            try await h.create("app", spec)
            try await h.converge("app")
            try await h.edit("app") { $0.metadata.annotations[KeywardAnnotations.revoke] = "keyCompromise" }
            let error = await #expect(throws: CRLStateError.self) { try await h.reconcile("app") }
            #expect(error?.description.contains("default/user-ca-crl") == true)
            #expect(try await h.secret("user-ca-crl")?.data == squatter.data)
            // The request stays pending (nothing was recorded as handled).
            #expect(try await h.certificate("app").metadata.annotations[KeywardAnnotations.revoke] == "keyCompromise")
        }
    }
}
