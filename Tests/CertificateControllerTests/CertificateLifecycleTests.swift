@testable import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KeywardTestSupport
import KubernetesClient
import KubernetesResources
import StandaloneStore
import Testing

@Suite("Certificate lifecycle")
struct CertificateLifecycleTests {
    @Test("waiting for a CA Certificate is a Normal WaitingForIssuer, then one Warning IssuerNotReady past the threshold")
    func waitingForIssuerTurnsIntoAWarning() async throws {
        try await Harness.with(.files) { h in
            try await h.create("root-ca", .rootCA())
            try await h.create("web", .leaf())
            let first = try await h.reconcile("web")
            let waiting = await h.sink.events
            #expect(waiting.map(\.reason) == [Certificate.Reason.waitingForIssuer] && waiting.allSatisfy { $0.type == .normal })
            // It comes back by the threshold at the latest, to say so if the CA is still not there.
            #expect((first.requeueAfter ?? .infinity) <= CertificateReconciler.Options().issuerWaitWarning)
            // Still waiting, before the threshold: nothing new to say.
            h.clock.advance(by: 60)
            try await h.reconcile("web")
            #expect(await h.sink.events.count == 1)
            // Past it: one Warning, and the conditions say it too.
            h.clock.advance(by: CertificateReconciler.Options().issuerWaitWarning)
            try await h.reconcile("web")
            let warnings = await h.sink.events.filter { $0.type == .warning }
            #expect(warnings.count == 1 && warnings.first?.reason == Certificate.Reason.issuerNotReady, "\(warnings)")
            #expect(warnings.first?.message?.contains("root-ca") == true)
            #expect(try await h.condition("web")?.reason == Certificate.Reason.issuerNotReady)
            try await h.reconcile("web")
            #expect(await h.sink.events.filter { $0.type == .warning }.count == 1, "a steady wait repeats nothing")
        }
    }

    @Test("a root CA and a leaf become Ready, and openssl and pkilint accept both", arguments: Backend.allCases)
    func issueChain(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("root-ca", .rootCA())
            try await h.create("web", .leaf())
            // The leaf waits for its issuer, then is issued once the CA is. Waiting for a CA being issued right now
            // is normal: a Normal WaitingForIssuer Event, no Warning.
            try await h.reconcile("web")
            #expect(try await h.condition("web")?.reason == Certificate.Reason.waitingForIssuer)
            try await h.converge("root-ca", "web")
            let webEvents = await h.sink.events.filter { $0.involvedObject.name == "web" }
            #expect(webEvents.contains { $0.type == .normal && $0.reason == Certificate.Reason.waitingForIssuer })
            #expect(!webEvents.contains(where: { $0.type == .warning }), "\(webEvents.map { "\($0.reason ?? "") \($0.message ?? "")" })")
            // The Issued Event says what happened in plain words.
            let issued = try #require(webEvents.first { $0.reason == Certificate.Reason.issued }?.message)
            #expect(issued.hasPrefix("issued serial ") && issued.contains(", valid until ") && issued.contains("first issuance"), "\(issued)")
            #expect(!issued.contains("no certificate stored") && !issued.contains("no private key"), "\(issued)")

            for name in ["root-ca", "web"] {
                let ready = try #require(try await h.condition(name))
                #expect(ready.status == .true, "\(name): \(ready.message)")
            }
            let web = try await h.certificate("web")
            #expect(web.status?.revision == 1)
            #expect(web.status?.serialNumber == (try await h.leaf(ofSecret: "web-tls")).serialHex.uppercased())

            let files = try await h.exportSecret("web-tls", prefix: "web")
            let verify = try await opensslVerify(ca: files.ca, chain: files.chain, leaf: files.leaf)
            #expect(verify.status == 0, "\(verify)")
            #expect(try await ExternalTool.pkilintErrors("lint_pkix_cert", [], file: files.leaf) == "")
            let ca = try await h.exportSecret("root-ca", prefix: "ca")
            #expect(try await ExternalTool.pkilintErrors("lint_pkix_cert", [], file: ca.leaf) == "")
            // The CA publishes a signed CRL from the start; pkilint checks it too.
            let crlMap = try #require(try await h.store.get(ConfigMap.self, namespace: "default", name: "root-ca-crl"))
            let crl = try h.directory.write("root.crl", try #require(crlMap.data?["ca.crl"]))
            #expect(try await ExternalTool.pkilintErrors("lint_crl", ["-t", "CRL", "-p", "PKIX"], file: crl) == "")

            // Nothing about the key leaks into events.
            for event in await h.sink.events { #expect(!(event.message ?? "").contains("PRIVATE KEY")) }
        }
    }

    @Test("a steady-state resync writes nothing", arguments: Backend.allCases)
    func noOpResync(_ backend: Backend) async throws {
        try await Harness.with(backend, files: true) { h in
            try await h.create("root-ca", .rootCA())
            try await h.create("web", .leaf())
            try await h.converge("root-ca", "web")
            let writes = await h.writeCount()
            let eventCount = await h.sink.events.count
            for _ in 0..<3 {
                try await h.reconcile("root-ca")
                try await h.reconcile("web")
            }
            #expect(await h.writeCount() == writes)
            #expect(await h.sink.events.count == eventCount)
        }
    }

    @Test("a deleted Secret is recreated with a new certificate", arguments: Backend.allCases)
    func deletedSecret(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("ss", Certificate.Spec(secretName: "ss-tls", issuer: .init(selfSigned: .init()),
                                                      commonName: "ss.example.com", dnsNames: ["ss.example.com"]))
            try await h.converge("ss")
            let before = try await h.leaf(ofSecret: "ss-tls")
            try await h.store.delete(Secret.self, namespace: "default", name: "ss-tls")
            try await h.converge("ss")
            let after = try await h.leaf(ofSecret: "ss-tls")
            #expect(after.serialHex != before.serialHex)
            #expect(try await h.condition("ss")?.status == .true)
        }
    }

    @Test("a corrupt tls.crt is reissued, never trusted", arguments: Backend.allCases)
    func corruptCertificate(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("ss", Certificate.Spec(secretName: "ss-tls", issuer: .init(selfSigned: .init()),
                                                      commonName: "ss.example.com", dnsNames: ["ss.example.com"]))
            try await h.converge("ss")
            var secret = try #require(try await h.secret("ss-tls"))
            secret.data["tls.crt"] = Data("-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n".utf8)
            _ = try await h.store.update(secret)
            try await h.converge("ss")
            let info = try await h.leaf(ofSecret: "ss-tls")
            #expect(info.dnsNames == ["ss.example.com"])
            #expect(try await h.certificate("ss").status?.revision == 2)
            // The key in the Secret matches the new certificate.
            let files = try await h.exportSecret("ss-tls", prefix: "ss")
            let certPub = try await ExternalTool.openssl("x509", "-in", files.leaf, "-noout", "-pubkey")
            let keyPub = try await ExternalTool.openssl("pkey", "-in", files.key, "-pubout")
            #expect(certPub.stdout == keyPub.stdout && !certPub.stdout.isEmpty)
        }
    }

    @Test("changed dnsNames are reissued; generation and observedGeneration follow", arguments: Backend.allCases)
    func changedNames(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("root-ca", .rootCA())
            try await h.create("web", .leaf())
            try await h.converge("root-ca", "web")
            try await h.edit("web") { $0.spec.dnsNames = ["web.example.com", "api.example.com"] }
            try await h.converge("web")
            let info = try await h.leaf(ofSecret: "web-tls")
            #expect(Set(info.dnsNames) == ["web.example.com", "api.example.com"])
            let web = try await h.certificate("web")
            #expect(web.metadata.generation == 2)
            #expect(web.status?.observedGeneration == 2)
            #expect(web.status?.revision == 2)
        }
    }

    @Test("past renewalTime the certificate is renewed: revision+1 and a new key (rotationPolicy Always)", arguments: Backend.allCases)
    func renewalRotatesKey(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("ss", Certificate.Spec(secretName: "ss-tls", issuer: .init(selfSigned: .init()),
                                                      commonName: "ss.example.com", dnsNames: ["ss.example.com"], duration: "720h", renewBefore: "168h"))
            let result = try await h.reconcile("ss")
            try await h.converge("ss")
            let first = try await h.certificate("ss")
            let renewalTime = try #require(first.status?.renewalTime)
            let notAfter = try #require(first.status?.notAfter)
            // The requeue points at the renewal time, which lies before notAfter - renewBefore (jitter only earlier).
            #expect(renewalTime <= notAfter.addingTimeInterval(-168 * 3600))
            #expect(abs(h.clock.now.addingTimeInterval(try #require(result.requeueAfter)).timeIntervalSince(renewalTime)) < 2)
            let oldKey = try #require(try await h.secret("ss-tls")?.string("tls.key"))

            // Just before: nothing happens.
            h.clock.set(to: renewalTime.addingTimeInterval(-60))
            try await h.converge("ss")
            #expect(try await h.certificate("ss").status?.revision == 1)

            h.clock.set(to: renewalTime.addingTimeInterval(1))
            try await h.converge("ss")
            let renewed = try await h.certificate("ss")
            #expect(renewed.status?.revision == 2)
            #expect(try #require(renewed.status?.notAfter) > notAfter)
            #expect(try await h.secret("ss-tls")?.string("tls.key") != oldKey)
            #expect(await h.sink.reasons(for: "ss").contains(Certificate.Reason.keyRotated))
        }
    }

    @Test("rotationPolicy Never keeps the key across renewals", arguments: Backend.allCases)
    func renewalKeepsKey(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            var spec = Certificate.Spec(secretName: "ss-tls", issuer: .init(selfSigned: .init()), commonName: "ss", dnsNames: ["ss.example.com"],
                                        duration: "720h", renewBefore: "168h")
            spec.privateKey.rotationPolicy = .never
            try await h.create("ss", spec)
            try await h.converge("ss")
            let oldKey = try #require(try await h.secret("ss-tls")?.string("tls.key"))
            let renewalTime = try #require(try await h.certificate("ss").status?.renewalTime)
            h.clock.set(to: renewalTime.addingTimeInterval(1))
            try await h.converge("ss")
            #expect(try await h.certificate("ss").status?.revision == 2)
            #expect(try await h.secret("ss-tls")?.string("tls.key") == oldKey)
        }
    }

    @Test("a root CA renewed with a new key makes its leaves reissue under the new CA", arguments: Backend.allCases)
    func caRollover(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("root-ca", .rootCA())
            try await h.create("web", .leaf())
            try await h.converge("root-ca", "web")
            let oldLeaf = try await h.leaf(ofSecret: "web-tls")
            try await h.edit("root-ca") { $0.metadata.annotations[KeywardAnnotations.renew] = "now" }
            try await h.converge("root-ca", "web")
            #expect(try await h.certificate("root-ca").status?.revision == 2)
            let newLeaf = try await h.leaf(ofSecret: "web-tls")
            #expect(newLeaf.serialHex != oldLeaf.serialHex)
            let ca = try await h.leaf(ofSecret: "root-ca")
            #expect(newLeaf.authorityKeyIdentifier == ca.subjectKeyIdentifier)
            let files = try await h.exportSecret("web-tls", prefix: "rolled")
            let verify = try await opensslVerify(ca: files.ca, chain: files.chain, leaf: files.leaf)
            #expect(verify.status == 0, "\(verify)")
        }
    }

    @Test("revoke: the old serial fails openssl -crl_check, the replacement passes", arguments: Backend.allCases)
    func revoke(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("root-ca", .rootCA())
            try await h.create("web", .leaf())
            try await h.converge("root-ca", "web")
            let old = try await h.exportSecret("web-tls", prefix: "old")
            let oldSerial = try await h.leaf(ofSecret: "web-tls").serialHex

            try await h.edit("web") { $0.metadata.annotations[KeywardAnnotations.revoke] = "keyCompromise" }
            try await h.converge("root-ca", "web")
            let web = try await h.certificate("web")
            #expect(web.metadata.annotations[KeywardAnnotations.revoke] == nil)
            #expect(web.status?.revokedCertificates.map(\.serialNumber) == [oldSerial.uppercased()])
            let new = try await h.exportSecret("web-tls", prefix: "new")
            #expect(try await h.leaf(ofSecret: "web-tls").serialHex != oldSerial)

            let crlMap = try #require(try await h.store.get(ConfigMap.self, namespace: "default", name: "root-ca-crl"))
            let crl = try h.directory.write("revoked.crl", try #require(crlMap.data?["ca.crl"]))
            let oldCheck = try await ExternalTool.openssl("verify", "-crl_check", "-CAfile", old.ca, "-CRLfile", crl, old.leaf)
            #expect(oldCheck.status != 0)
            #expect(oldCheck.stdout.contains("revoked") || oldCheck.stderr.contains("revoked"), "\(oldCheck)")
            let newCheck = try await ExternalTool.openssl("verify", "-crl_check", "-CAfile", new.ca, "-CRLfile", crl, new.leaf)
            #expect(newCheck.status == 0, "\(newCheck)")
            #expect(try await ExternalTool.pkilintErrors("lint_crl", ["-t", "CRL", "-p", "PKIX"], file: crl) == "")
            // The CA's Secret carries the same CRL for file consumers.
            #expect(try await h.secret("root-ca")?.string("ca.crl") == crlMap.data?["ca.crl"])
        }
    }

    /// A CA Certificate's Ready condition may be older than a change of its spec.secretName: a leaf naming it through
    /// certificateRef is signed only with the Secret Keyward stored for that CA, never with one it now points at.
    @Test("certificateRef signs only with the CA Certificate's own Secret", arguments: Backend.allCases)
    func certificateRefNeedsTheCAsOwnSecret(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("root-ca", .rootCA())
            try await h.converge("root-ca")
            let ca = try #require(try await h.secret("root-ca"))
            _ = try await h.store.create(Secret(metadata: ObjectMeta(name: "someone-elses-ca", namespace: h.namespace),
                                                type: Secret.tlsType, data: ca.data))
            try await h.edit("root-ca") { $0.spec.secretName = "someone-elses-ca" }  // not reconciled: still Ready
            try await h.create("web", .leaf())
            try await h.reconcile("web")
            let ready = try #require(try await h.condition("web"))
            #expect(ready.status == .false, "\(ready)")
            #expect(ready.message.contains("someone-elses-ca was not created by it"), "\(ready.message)")
            #expect(try await h.secret("web-tls") == nil)
        }
    }

    /// A tenant adopts a Secret of their own into which they copied another tenant's certificate (public: any TLS
    /// endpoint serves it) from the same CA, and asks to revoke it. The CA's CRL must not list it.
    @Test("revoke never lists a certificate this Certificate was not issued, another tenant's from the same CA included",
          arguments: Backend.allCases)
    func revokeRefusesAForeignCertificate(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("root-ca", .rootCA())
            try await h.create("victim", .leaf("victim-tls", dnsNames: ["victim.example.com"]))
            try await h.converge("root-ca", "victim")
            let victim = try #require(try await h.secret("victim-tls"))
            let victimSerial = try await h.leaf(ofSecret: "victim-tls").serialHex.uppercased()

            _ = try await h.store.create(Secret(
                metadata: ObjectMeta(name: "att-tls", namespace: h.namespace,
                                     annotations: [KeywardAnnotations.allowAdoption: "Certificate/att"]),
                type: Secret.tlsType, data: ["tls.crt": try #require(victim.data["tls.crt"]), "tls.key": Data("no key".utf8)]))
            var spec = Certificate.Spec.leaf("att-tls", dnsNames: ["att.example.com"])
            spec.adoptExistingSecret = true
            _ = try await h.store.create(Certificate(
                metadata: ObjectMeta(name: "att", namespace: h.namespace, annotations: [KeywardAnnotations.revoke: "keyCompromise"]),
                spec: spec))
            try await h.converge("att")
            func victimListed() async throws -> Bool {
                guard let crlMap = try await h.store.get(ConfigMap.self, namespace: h.namespace, name: "root-ca-crl") else { return false }
                let crl = try CertificateRevocationList(pemEncoded: try #require(crlMap.data?["ca.crl"]))
                return crl.entries.map { $0.serialHex.uppercased() }.contains(victimSerial)
            }
            let att = try await h.certificate("att")
            #expect(att.status?.revokedCertificates.isEmpty == true)
            #expect(await h.sink.events.contains { $0.type == .warning && $0.reason == Certificate.Reason.revokeRefused })
            #expect(try await h.leaf(ofSecret: "att-tls").serialHex.uppercased() != victimSerial)  // replaced
            #expect(try await !victimListed())

            // revokeOnDelete with the victim's certificate put back before the delete: still not revoked.
            try await h.edit("att") { $0.spec.revokeOnDelete = true }
            try await h.converge("att")
            var planted = try #require(try await h.secret("att-tls"))
            planted.data["tls.crt"] = victim.data["tls.crt"]
            _ = try await h.store.update(planted)
            try await h.store.delete(Certificate.self, namespace: h.namespace, name: "att")
            try await h.reconcile("att")
            #expect(try await h.store.get(Certificate.self, namespace: h.namespace, name: "att") == nil)
            #expect(try await !victimListed())
        }
    }

    @Test("revokeOnDelete: deleting the Certificate revokes its serial, then the finalizer lets go", arguments: Backend.allCases)
    func revokeOnDelete(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            try await h.create("root-ca", .rootCA())
            var spec = Certificate.Spec.leaf()
            spec.revokeOnDelete = true
            try await h.create("web", spec)
            try await h.converge("root-ca", "web")
            #expect(try await h.certificate("web").metadata.finalizers == [KeywardFinalizers.revokeOnDelete])
            let serial = try await h.leaf(ofSecret: "web-tls").serialHex
            try await h.store.delete(Certificate.self, namespace: "default", name: "web")
            #expect(try await h.certificate("web").metadata.isBeingDeleted)
            try await h.reconcile("web")
            #expect(try await h.store.get(Certificate.self, namespace: "default", name: "web") == nil)
            let crlMap = try #require(try await h.store.get(ConfigMap.self, namespace: "default", name: "root-ca-crl"))
            let crl = try CertificateRevocationList(pemEncoded: try #require(crlMap.data?["ca.crl"]))
            #expect(crl.entries.map(\.serialHex).contains(serial))
        }
    }

    @Test("a Secret owned by someone else is never overwritten", arguments: Backend.allCases)
    func foreignSecret(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            _ = try await h.store.create(Secret(metadata: ObjectMeta(name: "ss-tls", namespace: "default"),
                                                data: ["tls.crt": Data("user data".utf8)]))
            try await h.create("ss", Certificate.Spec(secretName: "ss-tls", issuer: .init(selfSigned: .init()),
                                                      commonName: "ss.example.com", dnsNames: ["ss.example.com"]))
            try await h.reconcile("ss")
            #expect(try await h.condition("ss")?.reason == Certificate.Reason.secretNotOwned)
            #expect(try await h.secret("ss-tls")?.data["tls.crt"] == Data("user data".utf8))
        }
    }

    @Test("files: cert.pem, chain.pem, fullchain.pem, privkey.pem (0640) and ca.pem land atomically", arguments: Backend.allCases)
    func filesOutput(_ backend: Backend) async throws {
        try await Harness.with(backend, files: true) { h in
            try await h.create("root-ca", .rootCA())
            var spec = Certificate.Spec.leaf()
            spec.files = Certificate.Files()
            try await h.create("web", spec)
            try await h.converge("root-ca", "web")
            let dir = "\(h.outDirectory)/default/web"
            for name in ["cert.pem", "chain.pem", "fullchain.pem", "privkey.pem", "ca.pem"] {
                #expect(FileManager.default.fileExists(atPath: "\(dir)/\(name)"), "\(name) missing")
            }
            // The visible names are symlinks through ..data; the mode is on the file they resolve to.
            let attributes = try FileManager.default.attributesOfItem(atPath: "\(dir)/..data/privkey.pem")
            #expect((attributes[.posixPermissions] as? Int) == 0o640)
            let verify = try await opensslVerify(ca: "\(dir)/ca.pem", chain: "\(dir)/chain.pem", leaf: "\(dir)/cert.pem")
            #expect(verify.status == 0, "\(verify)")
        }
    }
}
