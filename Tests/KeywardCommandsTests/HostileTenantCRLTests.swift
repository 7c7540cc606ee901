import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Testing
import X509

/// Issue 14's CRL exploits as a tenant would try them: a `<ca>-crl` ConfigMap made with the real `kubectl`, holding a
/// CRL with number 2^64−1 and forged entries (not signed by the CA), against a real `keyward controller` process.
/// The controller keeps running (and a restarted one too), publishes a CRL the CA signed, copies no forged entry, and
/// deleting the ConfigMap neither resets the number nor drops a revocation.
@Suite("Hostile tenant: CRL state", .serialized)
struct HostileTenantCRLTests {
    static let namespace = "team-crl"
    static let caName = "tenant-ca"

    struct Tenant {
        let cluster: OperatorCluster
        let kubeconfig: String

        func kubectl(_ arguments: [String]) async throws -> ExternalTool.Output {
            try await ExternalTool.run("/usr/bin/kubectl", ["--kubeconfig", kubeconfig, "-n", HostileTenantCRLTests.namespace]
                                       + arguments, timeout: 120)
        }

        /// `kubectl apply -f` of the forged ConfigMap, optionally labelled as Keyward's.
        func plant(_ crl: CertificateRevocationList, labelled: Bool) async throws -> ExternalTool.Output {
            let indented = crl.pemEncoded.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n")
            let labels = labelled ? "\n  labels:\n    keyward.dev/owned: \"true\"" : ""
            let yaml = """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: \(HostileTenantCRLTests.caName)-crl\(labels)
                data:
                  ca.crl: |
                \(indented)
                """
            let file = cluster.directory.url.appendingPathComponent("forged-\(UUID().uuidString).yaml")
            try Data(yaml.utf8).write(to: file)
            return try await kubectl(["apply", "-f", file.path])
        }
    }

    /// The forgery: a CA of the tenant's own with the real CA's name, signing number 2^64−1 and two serials.
    static func forgery(named subject: DistinguishedName, commonName: String) throws -> CertificateRevocationList {
        let key = try PrivateKey.generate(.ecdsaP256)
        let now = Date()
        let fake = try Issuer.selfSigned.issue(template: CertificateTemplate(commonName: commonName, duration: 86_400, isCA: true),
                                               subjectKey: key, now: now.addingTimeInterval(-60))
        #expect(fake.certificate.subject == subject)
        let entries = [[0x0A, 0x0B], [0x66, 0x6F, 0x72, 0x67, 0x65, 0x64]].map {
            RevokedCertificate(serialNumber: X509.Certificate.SerialNumber(bytes: ArraySlice($0)), revocationDate: now, reason: .keyCompromise)
        }
        return try #require(try Issuer(certificate: fake.certificate, privateKey: key).makeCRL(
            thisUpdate: now, nextUpdate: now.addingTimeInterval(86_400), crlNumber: CRLNumber(UInt64.max), entries: entries))
    }

    /// The published CRL once it is the CA's (bounded wait), else the last one read.
    static func published(_ cluster: OperatorCluster, signedBy ca: X509.Certificate, where accept: (CertificateRevocationList) -> Bool)
        async -> CertificateRevocationList?
    {
        var last: CertificateRevocationList?
        _ = await within(60) {
            guard let map = try? await cluster.admin.get(ConfigMap.self, name: "\(caName)-crl", namespace: namespace),
                let pem = map.data?["ca.crl"], let crl = try? CertificateRevocationList(pemEncoded: pem)
            else { return false }
            last = crl
            return crl.isSigned(by: ca) && accept(crl)
        }
        return last
    }

    @Test("a forged <ca>-crl ConfigMap with CRL number 2^64-1 neither crashes the controller nor gets into the CRL")
    func forgedCRLConfigMap() async throws {
        let cluster = try await OperatorCluster.start(users: ["keyward", "tenant"], namespaces: [Self.namespace])
        let tenant = Tenant(cluster: cluster, kubeconfig: try cluster.kubeconfig(for: "tenant"))
        let operatorConfig = try cluster.kubeconfig(for: "keyward")
        var controller = try ControllerProcess(kubeconfig: operatorConfig, logPath: cluster.directory.path("controller-1.log"))

        // The tenant claims the CA's CRL name first, unlabelled, as `kubectl apply` makes it.
        let commonName = "Tenant Team CA"
        let subject = try DistinguishedName { CommonName(commonName) }
        let forged = try Self.forgery(named: subject, commonName: commonName)
        let planted = try await tenant.plant(forged, labelled: false)
        #expect(planted.status == 0, "\(planted)")

        try await cluster.create(KeywardAPI.Certificate(
            metadata: ObjectMeta(name: Self.caName, namespace: Self.namespace),
            spec: KeywardAPI.Certificate.Spec(secretName: "\(Self.caName)-tls", issuer: .selfSigned, commonName: commonName,
                                   duration: "87600h", isCA: true)))
        try await cluster.create(KeywardAPI.Certificate(
            metadata: ObjectMeta(name: "web", namespace: Self.namespace),
            spec: KeywardAPI.Certificate.Spec(secretName: "web-tls", issuer: .certificate(Self.caName), commonName: "web.svc",
                                   dnsNames: ["web.svc"], duration: "2160h")))
        let ready = await within(90) {
            let web = try? await cluster.admin.get(KeywardAPI.Certificate.self, name: "web", namespace: Self.namespace)
            return web?.status?.conditions[type: KeywardAPI.Certificate.ConditionType.ready]?.status == .true
        }
        #expect(ready, "the leaf never became Ready")
        let caSecret = try await cluster.admin.get(Secret.self, name: "\(Self.caName)-tls", namespace: Self.namespace)
        let caPEM = try #require(caSecret.string("tls.crt"))
        let ca = try #require(try PEMBundle.certificates(from: caPEM).first)

        let first = await Self.published(cluster, signedBy: ca) { _ in true }
        let crlLines = controller.log.split(separator: "\n").filter { $0.contains("crl") || $0.contains("error") }.suffix(20)
        #expect(first?.crlNumber == 1,
                "the CA's own numbering, not the forgery's: \(String(describing: first?.crlNumber))\n\(crlLines.joined(separator: "\n"))")
        #expect(first?.entries.isEmpty == true, "forged entries were copied: \(first?.entries.map(\.serialHex) ?? [])")
        #expect(controller.isRunning, "the controller exited:\n\(controller.log.suffix(2000))")

        // Again, labelled as Keyward's (so it lands in the operator's cache), over the published one.
        let replanted = try await tenant.plant(forged, labelled: true)
        #expect(replanted.status == 0, "\(replanted)")
        let rewritten = await Self.published(cluster, signedBy: ca) { $0.crlNumber == 1 }
        #expect(rewritten?.entries.isEmpty == true && rewritten?.crlNumber == 1)

        // A restarted controller reads the same ConfigMap and keeps running too.
        _ = try await tenant.plant(forged, labelled: true)
        await controller.kill()
        controller = try ControllerProcess(kubeconfig: operatorConfig, logPath: cluster.directory.path("controller-2.log"))

        // The tenant revokes its leaf (their right), then deletes the ConfigMap: number and revocation stay.
        let oldSerial = try await cluster.admin.get(KeywardAPI.Certificate.self, name: "web", namespace: Self.namespace).status?.serialNumber
        let annotate = try await tenant.kubectl(["annotate", "certificate.keyward.dev/web", "keyward.dev/revoke=keyCompromise"])
        #expect(annotate.status == 0, "\(annotate)")
        let revoked = await Self.published(cluster, signedBy: ca) { crl in
            crl.entries.map { $0.serialHex.uppercased() } == [oldSerial ?? "-"]
        }
        #expect(revoked?.crlNumber == 2, "\(String(describing: revoked?.crlNumber))")
        let delete = try await tenant.kubectl(["delete", "configmap", "\(Self.caName)-crl"])
        #expect(delete.status == 0, "\(delete)")
        let recreated = await within(60) {
            (try? await cluster.admin.get(ConfigMap.self, name: "\(Self.caName)-crl", namespace: Self.namespace)) != nil
        }
        #expect(recreated, "the ConfigMap was not published again")
        let afterDelete = await Self.published(cluster, signedBy: ca) { _ in true }
        #expect(afterDelete == revoked, "deleting the ConfigMap changed the CRL")
        #expect(afterDelete?.crlNumber == 2 && afterDelete?.entries.count == 1)

        #expect(controller.isRunning, "the restarted controller exited:\n\(controller.log.suffix(2000))")
        #expect(await controller.terminate() == 0, "the controller did not stop cleanly:\n\(controller.log.suffix(2000))")
        await cluster.stop()
    }
}
