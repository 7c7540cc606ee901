import ControllerRuntime
import Foundation
import KeywardCommands
import KeywardCore
import KeywardPKI
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import Testing

/// Issuer and ClusterIssuer for real: keyward-apiserver with the CRDs from crds/, the operator's own wiring, and the
/// installed kubectl and openssl.
@Suite("Issuers with kubectl")
struct IssuerKubectlTests {
    static let clusterResourceNamespace = "keyward-cluster"

    @Test("examples/issuers.yaml becomes Ready, kubectl shows the columns, openssl verifies; not Ready waits; a CA change re-issues")
    func lifecycle() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-issuers")
        var configuration = APIServerConfiguration()
        configuration.crdDirectories = [ExternalTool.repositoryRoot.appendingPathComponent("crds")]
        let server = try await APIServer.start(configuration)
        let kubeconfig = directory.url.appendingPathComponent("kubeconfig")
        try server.writeKubeconfig(to: kubeconfig)
        let client = KubernetesClient(configuration: try ClientConfiguration.load(kubeconfig: kubeconfig.path))
        var assembly = OperatorAssembly(client: client, concurrency: 2)
        assembly.clusterResourceNamespace = Self.clusterResourceNamespace
        let manager = await assembly.makeManager(elector: nil, health: nil)
        let operatorTask = Task { try await manager.run() }
        defer { operatorTask.cancel() }

        func kubectl(_ arguments: String...) async throws -> ExternalTool.Output {
            try await ExternalTool.run("/usr/bin/kubectl", ["--kubeconfig", kubeconfig.path] + arguments, timeout: 120)
        }
        func jsonpath(_ object: String, _ path: String, namespace: String = "keyward-demo") async throws -> String {
            try await kubectl("get", object, "-n", namespace, "-o", "jsonpath={\(path)}").stdout
        }
        func secretPEM(_ name: String, _ key: String, namespace: String = "keyward-demo") async throws -> String {
            let base64 = try await jsonpath("secret/\(name)", ".data.\(key.replacingOccurrences(of: ".", with: "\\."))", namespace: namespace)
            return String(decoding: Data(base64Encoded: base64) ?? Data(), as: UTF8.self)
        }
        /// openssl verifies the leaf of `secret` against the CA certificate `caPEM`.
        func verify(_ secret: String, caPEM: String, _ tag: String) async throws -> ExternalTool.Output {
            let leaf = try PEMBundle.certificates(from: try await secretPEM(secret, "tls.crt")).first
            let leafFile = try directory.write("\(tag)-leaf.pem", leaf.map { PEMBundle.pemEncoded([$0]) } ?? "")
            let caFile = try directory.write("\(tag)-ca.pem", caPEM)
            return try await ExternalTool.run(ExternalTool.openssl, ["verify", "-CAfile", caFile, leafFile])
        }

        #expect(try await kubectl("create", "namespace", "keyward-demo").status == 0)
        #expect(try await kubectl("create", "namespace", Self.clusterResourceNamespace).status == 0)
        let example = ExternalTool.repositoryRoot.appendingPathComponent("examples/issuers.yaml").path
        let apply = try await kubectl("apply", "-f", example)
        #expect(apply.status == 0, "\(apply)")
        for object in ["issuer.keyward.dev/demo-team-ca", "certificate.keyward.dev/demo-api", "certificate.keyward.dev/demo-internal"] {
            let wait = try await kubectl("wait", "--for=condition=Ready", object, "-n", "keyward-demo", "--timeout=90s")
            #expect(wait.status == 0, "\(object): \(wait)")
        }
        let waitCluster = try await kubectl("wait", "--for=condition=Ready", "clusterissuer.keyward.dev/demo-self-signed", "--timeout=60s")
        #expect(waitCluster.status == 0, "\(waitCluster)")

        // kubectl get shows the columns, and every cell reads well (no future `date` column printing <invalid>).
        let get = try await kubectl("get", "issuers,clusterissuers", "-A")
        #expect(get.status == 0, "\(get)")
        #expect(get.stdout.contains("READY") && get.stdout.contains("REASON") && get.stdout.contains("SECRET"), "\(get.stdout)")
        #expect(get.stdout.contains("KeyPairVerified") && get.stdout.contains("SelfSigned"), "\(get.stdout)")
        let wide = try await kubectl("get", "issuers,clusterissuers", "-A", "-o", "wide")
        #expect(wide.stdout.contains("CA NOT AFTER"), "\(wide.stdout)")
        for table in [get.stdout, wide.stdout] { #expect(!table.contains("<invalid>"), "\(table)") }
        let category = try await kubectl("get", "keyward", "-A")
        #expect(category.stdout.contains("issuer.keyward.dev/demo-team-ca"), "\(category)")

        // The leaf verifies against the Issuer's CA.
        let firstCA = try await secretPEM("demo-team-ca-tls", "tls.crt")
        let verified = try await verify("demo-api-tls", caPEM: firstCA, "first")
        #expect(verified.status == 0, "\(verified)")
        #expect(try await jsonpath("certificate/demo-api", ".status.issuerName") == "Issuer/demo-team-ca")

        // Not Ready: an Issuer whose Secret does not exist, and a Certificate that waits for it with IssuerNotReady.
        let broken = try directory.write("broken.yaml", """
            apiVersion: keyward.dev/v1alpha1
            kind: Issuer
            metadata: {name: broken, namespace: keyward-demo}
            spec: {ca: {secretName: no-such-secret}}
            ---
            apiVersion: keyward.dev/v1alpha1
            kind: Certificate
            metadata: {name: waiting, namespace: keyward-demo}
            spec: {secretName: waiting-tls, dnsNames: [waiting.example.com], issuer: {issuerRef: {kind: Issuer, name: broken}}}
            """)
        #expect(try await kubectl("apply", "-f", broken).status == 0)
        let notReady = try await kubectl("wait", "--for=condition=Ready=false", "issuer.keyward.dev/broken", "-n", "keyward-demo",
                                         "--timeout=60s")
        #expect(notReady.status == 0, "\(notReady)")
        #expect(try await jsonpath("issuer/broken", ".status.conditions[0].reason") == "SecretNotFound")
        let waited = try await within(60, every: .milliseconds(200)) {
            try await jsonpath("certificate/waiting", #".status.conditions[?(@.type=="Issuing")].reason"#) == "IssuerNotReady"
        }
        #expect(waited)
        #expect(try await jsonpath("certificate/waiting", #".status.conditions[?(@.type=="Issuing")].message"#).contains("Issuer/broken"))

        // The CRD refuses two issuer forms at once, and an issuerRef kind that is neither.
        let twoForms = try directory.write("two-forms.yaml", """
            apiVersion: keyward.dev/v1alpha1
            kind: Certificate
            metadata: {name: two-forms, namespace: keyward-demo}
            spec: {secretName: two-tls, dnsNames: [two.example.com], issuer: {selfSigned: {}, issuerRef: {kind: Issuer, name: broken}}}
            """)
        let refused = try await kubectl("apply", "-f", twoForms)
        #expect(refused.status != 0 && refused.stderr.contains("exactly one of selfSigned, ca or issuerRef"), "\(refused)")
        let badKind = try directory.write("bad-kind.yaml", """
            apiVersion: keyward.dev/v1alpha1
            kind: Certificate
            metadata: {name: bad-kind, namespace: keyward-demo}
            spec: {secretName: bad-tls, dnsNames: [bad.example.com], issuer: {issuerRef: {kind: Secret, name: x}}}
            """)
        let refusedKind = try await kubectl("apply", "-f", badKind)
        #expect(refusedKind.status != 0 && refusedKind.stderr.contains("spec.issuer.issuerRef.kind"), "\(refusedKind)")

        // A ca ClusterIssuer: its Secret lives in the cluster resource namespace.
        let key = try PrivateKey.generate(.ecdsaP256)
        let ca = try Issuer.selfSigned.issue(template: CertificateTemplate(commonName: "Cluster CA", duration: 30 * 86_400, isCA: true),
                                             subjectKey: key, now: Date())
        let caFile = try directory.write("cluster-ca.pem", ca.certificatePEM)
        let keyFile = try directory.write("cluster-ca.key", key.pemEncoded())
        #expect(try await kubectl("create", "secret", "tls", "cluster-ca-tls", "--cert", caFile, "--key", keyFile,
                                  "-n", Self.clusterResourceNamespace).status == 0)
        let clusterCA = try directory.write("cluster-ca.yaml", """
            apiVersion: keyward.dev/v1alpha1
            kind: ClusterIssuer
            metadata: {name: cluster-ca}
            spec: {ca: {secretName: cluster-ca-tls}}
            ---
            apiVersion: keyward.dev/v1alpha1
            kind: Certificate
            metadata: {name: via-cluster, namespace: keyward-demo}
            spec: {secretName: via-cluster-tls, dnsNames: [via.example.com], issuer: {issuerRef: {kind: ClusterIssuer, name: cluster-ca}}}
            """)
        #expect(try await kubectl("apply", "-f", clusterCA).status == 0)
        let viaCluster = try await kubectl("wait", "--for=condition=Ready", "certificate.keyward.dev/via-cluster", "-n", "keyward-demo",
                                           "--timeout=60s")
        #expect(viaCluster.status == 0, "\(viaCluster)")
        #expect(try await verify("via-cluster-tls", caPEM: ca.certificatePEM, "cluster").status == 0)

        // The Issuer's CA changes (a manual renew of the CA Certificate gives it a new key): its leaf re-issues.
        let firstSerial = try await jsonpath("certificate/demo-api", ".status.serialNumber")
        #expect(try await kubectl("annotate", "certificate.keyward.dev/demo-team-ca", "-n", "keyward-demo",
                                  "keyward.dev/renew=issuer-test").status == 0)
        let reissued = try await within(90, every: .milliseconds(250)) {
            let serial = try await jsonpath("certificate/demo-api", ".status.serialNumber")
            guard !serial.isEmpty, serial != firstSerial else { return false }
            return try await jsonpath("certificate/demo-api", #".status.conditions[?(@.type=="Ready")].status"#) == "True"
        }
        #expect(reissued, "demo-api was not re-issued after its Issuer's CA changed")
        let secondCA = try await secretPEM("demo-team-ca-tls", "tls.crt")
        #expect(secondCA != firstCA)
        #expect(try await verify("demo-api-tls", caPEM: secondCA, "second").status == 0)
        #expect(try await verify("demo-api-tls", caPEM: firstCA, "stale").status != 0)

        operatorTask.cancel()
        _ = await operatorTask.result
        client.shutdown()
        await server.shutdown()
    }
}
