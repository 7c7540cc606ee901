import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCommands
import KeywardCore
import KeywardPKI
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Testing

/// `keyward status certificate|secretrotation` against keyward-apiserver with the operator running, the built
/// binary as users run it, and the same through real kubectl's plugin lookup (`kubectl keyward …`).
@Suite("keyward status against a cluster")
struct StatusCommandTests {
    static let manifest = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: status-demo}
        ---
        apiVersion: keyward.dev/v1alpha1
        kind: Certificate
        metadata: {name: root-ca, namespace: status-demo}
        spec: {secretName: root-ca, isCA: true, commonName: Status Root, issuer: {selfSigned: {}}}
        ---
        apiVersion: keyward.dev/v1alpha1
        kind: Certificate
        metadata: {name: web, namespace: status-demo}
        spec: {secretName: web-tls, dnsNames: [web.status-demo.svc], issuer: {ca: {certificateRef: root-ca}}}
        ---
        apiVersion: keyward.dev/v1alpha1
        kind: Certificate
        metadata: {name: stuck, namespace: status-demo}
        spec: {secretName: stuck-tls, dnsNames: [stuck.status-demo.svc], issuer: {ca: {secretRef: missing-ca}}}
        ---
        apiVersion: keyward.dev/v1alpha1
        kind: Certificate
        metadata: {name: waiting, namespace: status-demo}
        spec: {secretName: waiting-tls, dnsNames: [waiting.status-demo.svc], issuer: {ca: {certificateRef: future-ca}}}
        ---
        apiVersion: keyward.dev/v1alpha1
        kind: SecretRotation
        metadata: {name: db, namespace: status-demo}
        spec:
          secretName: db-credentials
          keys: [{name: password, generator: {password: {length: 24}}}]
          interval: 720h
        """

    /// A cluster with the operator and the manifest applied, settled: web Ready, stuck with a Warning Event.
    struct Cluster {
        let directory: TemporaryDirectory
        let server: APIServer
        let client: KubernetesClient
        let kubeconfig: String
        let operatorTask: Task<Void, any Error>

        static func start() async throws -> Cluster {
            let directory = try TemporaryDirectory(prefix: "keyward-status")
            var configuration = APIServerConfiguration()
            configuration.crdDirectories = [ExternalTool.repositoryRoot.appendingPathComponent("crds")]
            let server = try await APIServer.start(configuration)
            let kubeconfig = directory.url.appendingPathComponent("kubeconfig")
            try server.writeKubeconfig(to: kubeconfig)
            let client = KubernetesClient(configuration: try ClientConfiguration.load(kubeconfig: kubeconfig.path))
            let manager = await OperatorAssembly(client: client, concurrency: 2).makeManager(elector: nil, health: nil)
            let cluster = Cluster(directory: directory, server: server, client: client, kubeconfig: kubeconfig.path,
                                  operatorTask: Task { try await manager.run() })
            let file = try directory.write("status-demo.yaml", manifest)
            let applied = try await ExternalTool.run("/usr/bin/kubectl", ["--kubeconfig", kubeconfig.path, "apply", "-f", file])
            #expect(applied.status == 0, "\(applied)")
            let settled = try await within(90, every: .milliseconds(200)) {
                let web = try await client.get(Certificate.self, name: "web", namespace: "status-demo")
                let stuck = try await client.get(Certificate.self, name: "stuck", namespace: "status-demo")
                let rotation = try await client.get(SecretRotation.self, name: "db", namespace: "status-demo")
                let events = try await client.list(Event.self, in: .namespace("status-demo")).items
                let warnings = events.filter { $0.involvedObject.name == "stuck" && $0.type == .warning }
                let waiting = events.filter { $0.involvedObject.name == "waiting" }
                return web.status?.conditions[type: "Ready"]?.status == .true
                    && stuck.status?.conditions[type: "Ready"]?.status == .false
                    && rotation.metadata.name == "db" && !warnings.isEmpty && !waiting.isEmpty
            }
            #expect(settled, "the operator did not settle the demo objects")
            return cluster
        }

        func stop() async {
            operatorTask.cancel()
            _ = await operatorTask.result
            client.shutdown()
            await server.shutdown()
        }

        /// Runs `body` on a started cluster and stops it afterwards, also when `body` throws.
        static func with(_ body: (Cluster) async throws -> Void) async throws {
            let cluster = try await start()
            do { try await body(cluster) } catch {
                await cluster.stop()
                throw error
            }
            await cluster.stop()
        }

        func keyward(_ arguments: String...) async throws -> ExternalTool.Output {
            try await ExternalTool.run(try keywardExecutable(), arguments + ["--kubeconfig", kubeconfig], timeout: 60)
        }
    }

    @Test func explainsIssuersAndTheirCertificates() async throws {
        try await Cluster.with { cluster in
            let file = try cluster.directory.write("issuers.yaml", """
                apiVersion: keyward.dev/v1alpha1
                kind: Issuer
                metadata: {name: broken-ca, namespace: status-demo}
                spec: {ca: {secretName: no-such-ca}}
                ---
                apiVersion: keyward.dev/v1alpha1
                kind: ClusterIssuer
                metadata: {name: status-selfsigned}
                spec: {selfSigned: {}}
                ---
                apiVersion: keyward.dev/v1alpha1
                kind: Certificate
                metadata: {name: via-broken, namespace: status-demo}
                spec: {secretName: via-broken-tls, dnsNames: [b.status-demo.svc], issuer: {issuerRef: {kind: Issuer, name: broken-ca}}}
                ---
                apiVersion: keyward.dev/v1alpha1
                kind: Certificate
                metadata: {name: via-cluster, namespace: status-demo}
                spec: {secretName: via-cluster-tls, dnsNames: [c.status-demo.svc], issuer: {issuerRef: {kind: ClusterIssuer, name: status-selfsigned}}}
                """)
            let applied = try await ExternalTool.run("/usr/bin/kubectl", ["--kubeconfig", cluster.kubeconfig, "apply", "-f", file])
            #expect(applied.status == 0, "\(applied)")
            let settled = try await within(60, every: .milliseconds(200)) {
                let broken = try await cluster.client.get(IssuerResource.self, name: "broken-ca", namespace: "status-demo")
                let selfSigned = try await cluster.client.get(ClusterIssuerResource.self, name: "status-selfsigned")
                let ready = try await cluster.client.get(Certificate.self, name: "via-cluster", namespace: "status-demo")
                return broken.status?.conditions[type: "Ready"]?.status == .false && selfSigned.isReady
                    && ready.status?.conditions[type: "Ready"]?.status == .true
            }
            let viaCluster = try await cluster.keyward("status", "certificate", "via-cluster", "-n", "status-demo")
            #expect(settled, "the issuers did not settle: \(viaCluster.stdout)")

            // The broken Issuer: not Ready, why, its missing Secret and the Certificate stuck behind it.
            let broken = try await cluster.keyward("status", "issuer", "broken-ca", "-n", "status-demo")
            #expect(broken.status == 0, "\(broken)")
            #expect(broken.stdout.contains("Issuer status-demo/broken-ca: Not Ready"), "\(broken.stdout)")
            #expect(broken.stdout.contains("SecretNotFound"), "\(broken.stdout)")
            #expect(broken.stdout.contains("status-demo/no-such-ca: not found"), "\(broken.stdout)")
            #expect(broken.stdout.contains("1 reference it, 1 not Ready") && broken.stdout.contains("status-demo/via-broken"),
                    "\(broken.stdout)")

            // The ClusterIssuer as JSON: Ready, and its Certificate in another namespace found and Ready.
            let json = try await cluster.keyward("status", "clusterissuer", "status-selfsigned", "-o", "json")
            #expect(json.status == 0, "\(json)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["kind"] as? String == "ClusterIssuer" && object["ready"] as? Bool == true, "\(object)")
            #expect(object["certificates"] as? [String] == ["status-demo/via-cluster"], "\(object)")
            #expect((object["notReadyCertificates"] as? [String])?.isEmpty == true, "\(object)")

            let missing = try await cluster.keyward("status", "issuer", "nope", "-n", "status-demo")
            #expect(missing.status != 0 && missing.stderr.contains("Issuer status-demo/nope not found"), "\(missing)")
        }
    }

    @Test func explainsStuckAndReadyCertificatesInTextAndJSON() async throws {
        try await Cluster.with { cluster in
            // Stuck on a missing issuer: the reason, the missing issuer and the Warning Event on one screen.
            let stuck = try await cluster.keyward("status", "certificate", "stuck", "-n", "status-demo")
            #expect(stuck.status == 0, "\(stuck)")
            let stuckObject = try await cluster.client.get(Certificate.self, name: "stuck", namespace: "status-demo")
            let reason = try #require(stuckObject.status?.conditions[type: "Ready"]?.reason)
            #expect(reason == "IssuerNotReady")
            #expect(stuck.stdout.contains("Not Ready") && stuck.stdout.contains(reason), "\(stuck.stdout)")
            #expect(stuck.stdout.contains("secret/missing-ca: not found"), "\(stuck.stdout)")
            #expect(stuck.stdout.contains("Secret status-demo/missing-ca does not exist"), "\(stuck.stdout)")
            #expect(stuck.stdout.split(separator: "\n").contains { $0.contains("Warning") && $0.contains("IssuerNotReady") }, "\(stuck.stdout)")

            // Waiting for a CA Certificate that does not exist (yet): the controller's Normal WaitingForIssuer Event.
            let waiting = try await cluster.keyward("status", "certificate", "waiting", "-n", "status-demo")
            let waitingObject = try await cluster.client.get(Certificate.self, name: "waiting", namespace: "status-demo")
            let waitingReason = try #require(waitingObject.status?.conditions[type: "Ready"]?.reason)
            #expect(waiting.stdout.contains(waitingReason) && waiting.stdout.contains("certificate/future-ca: not found"), "\(waiting.stdout)")
            #expect(waiting.stdout.contains("Certificate status-demo/future-ca does not exist"), "\(waiting.stdout)")
            #expect(stuck.stdout.contains("stuck-tls: not present"), "\(stuck.stdout)")

            let stuckJSON = try await cluster.keyward("status", "certificate", "stuck", "-n", "status-demo", "-o", "json")
            let stuckReport = try #require(try JSONSerialization.jsonObject(with: Data(stuckJSON.stdout.utf8)) as? [String: Any])
            #expect(stuckReport["ready"] as? Bool == false)
            let ready = try #require((stuckReport["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == "Ready" })
            #expect(ready["reason"] as? String == reason && ready["status"] as? String == "False")
            let issuer = try #require((stuckReport["issuers"] as? [[String: Any]])?.first)
            #expect(issuer["reference"] as? String == "secret/missing-ca" && issuer["found"] as? Bool == false)
            let events = try #require(stuckReport["events"] as? [[String: Any]])
            #expect(events.contains { $0["type"] as? String == "Warning" && $0["reason"] as? String == reason }, "\(events)")

            // Ready: serial and renewal time match the Secret and the status; the issuer chain and CRL are shown.
            let web = try await cluster.client.get(Certificate.self, name: "web", namespace: "status-demo")
            let secret = try await cluster.client.get(Secret.self, name: "web-tls", namespace: "status-demo")
            let pem = try #require(secret.string("tls.crt"))
            let secretSerial = try CertificateInfo(pemEncoded: pem).serialHex.uppercased()
            let renewal = try #require(web.status?.renewalTime)
            #expect(web.status?.serialNumber == secretSerial)

            let text = try await cluster.keyward("status", "certificate", "web", "-n", "status-demo")
            #expect(text.status == 0, "\(text)")
            #expect(text.stdout.contains("Ready (state Issued)"), "\(text.stdout)")
            #expect(text.stdout.contains(secretSerial) && text.stdout.contains(KubeTime.format(renewal)), "\(text.stdout)")
            #expect(text.stdout.contains("certificate/root-ca: ready") && text.stdout.contains("selfSigned: ready"), "\(text.stdout)")
            #expect(text.stdout.contains("owned by this Certificate") && text.stdout.contains("ECDSA P-256"), "\(text.stdout)")
            #expect(!text.stdout.contains("PRIVATE KEY"))

            let json = try await cluster.keyward("status", "certificate", "web", "-n", "status-demo", "-o", "json")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let secretFacts = try #require(report["secret"] as? [String: Any])
            #expect(report["ready"] as? Bool == true)
            #expect(secretFacts["serialNumber"] as? String == secretSerial && report["serialNumber"] as? String == secretSerial)
            #expect(secretFacts["renewalTime"] as? String == KubeTime.format(renewal), "\(secretFacts)")
            #expect(secretFacts["owned"] as? Bool == true && secretFacts["keyMatchesCertificate"] as? Bool == true)
            #expect((report["issuers"] as? [[String: Any]])?.compactMap { $0["reference"] as? String } == ["certificate/root-ca", "selfSigned"])
            let crl = try #require(report["crl"] as? [String: Any])
            #expect(crl["configMap"] as? String == "status-demo/root-ca-crl")

            let yaml = try await cluster.keyward("status", "certificate", "web", "-n", "status-demo", "-o", "yaml")
            #expect(yaml.stdout.split(separator: "\n").contains { $0.hasPrefix("serialNumber: ") && $0.contains(secretSerial) },
                    "\(yaml.stdout)")

            // A SecretRotation: the report shows the condition the API holds, and the Secret's key names, never values.
            let rotation = try await cluster.keyward("status", "secretrotation", "db", "-n", "status-demo", "-o", "json")
            #expect(rotation.status == 0, "\(rotation)")
            let rotationReport = try #require(try JSONSerialization.jsonObject(with: Data(rotation.stdout.utf8)) as? [String: Any])
            let rotationObject = try await cluster.client.get(SecretRotation.self, name: "db", namespace: "status-demo")
            let rotationReady = rotationObject.status?.conditions[type: "Ready"]
            #expect(rotationReport["ready"] as? Bool == (rotationReady?.status == .true))
            let shown = (rotationReport["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == "Ready" }
            #expect(shown?["reason"] as? String == rotationReady?.reason && shown?["message"] as? String == rotationReady?.message)
            let rotationText = try await cluster.keyward("status", "secretrotation", "db", "-n", "status-demo")
            #expect(rotationText.stdout.hasPrefix("SecretRotation status-demo/db: "), "\(rotationText.stdout)")
            #expect(rotationText.stdout.contains(rotationReady?.reason ?? "none yet (not reconciled)"), "\(rotationText.stdout)")
            if let values = try? await cluster.client.get(Secret.self, name: "db-credentials", namespace: "status-demo") {
                #expect(rotationText.stdout.contains("password"), "\(rotationText.stdout)")
                for value in values.data.values where value.count >= 8 {
                    #expect(!rotationText.stdout.contains(String(decoding: value, as: UTF8.self)))
                }
            }

            let missing = try await cluster.keyward("status", "certificate", "nope", "-n", "status-demo")
            #expect(missing.status != 0 && missing.stderr.contains("Certificate status-demo/nope not found"), "\(missing)")
        }
    }

    /// kubectl's plugin convention: an executable `kubectl-keyward` on PATH answers `kubectl keyward …`.
    @Test func kubectlPluginLookupRunsKeyward() async throws {
        try await Cluster.with { cluster in
            let bin = cluster.directory.url.appendingPathComponent("bin")
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("kubectl-keyward").path,
                                                       withDestinationPath: try keywardExecutable())
            let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            func kubectl(_ arguments: String...) async throws -> ExternalTool.Output {
                try await ExternalTool.run("/usr/bin/env", ["PATH=\(path)", "KUBECONFIG=\(cluster.kubeconfig)", "HOME=\(cluster.directory.url.path)",
                                                            "kubectl"] + arguments, timeout: 60)
            }
            let plugins = try await kubectl("plugin", "list")
            #expect(plugins.stdout.contains("kubectl-keyward"), "\(plugins)")
            let status = try await kubectl("keyward", "status", "certificate", "stuck", "-n", "status-demo")
            #expect(status.status == 0, "\(status)")
            #expect(status.stdout.contains("secret/missing-ca: not found") && status.stdout.contains("Warning"), "\(status.stdout)")
            let help = try await kubectl("keyward", "--help")
            #expect(help.stdout.contains("USAGE: kubectl keyward <subcommand>"), "usage names the plugin form: \(help.stdout)")
        }
    }

    /// Standalone: the same report from a `keyward run` state folder, Events from its events.log.
    @Test func standaloneStateFolder() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-status-standalone")
        let keyward = try keywardExecutable()
        let state = directory.path("state")
        let manifests = ExternalTool.repositoryRoot.appendingPathComponent("examples/standalone").path
        let run = try await ExternalTool.run(keyward, ["run", "--manifests", manifests, "--state", state, "--out", directory.path("out"), "--once"])
        #expect(run.status == 0, "\(run)")

        let json = try await ExternalTool.run(keyward, ["status", "certificate", "standalone-web", "--state", state, "-o", "json"])
        #expect(json.status == 0, "\(json)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let secret = try #require(report["secret"] as? [String: Any])
        #expect(report["ready"] as? Bool == true && secret["owned"] as? Bool == true)
        #expect(secret["serialNumber"] as? String == report["serialNumber"] as? String && report["serialNumber"] != nil)
        #expect(secret["renewalTime"] as? String == report["renewalTime"] as? String && report["renewalTime"] != nil)
        #expect((report["issuers"] as? [[String: Any]])?.compactMap { $0["reference"] as? String } == ["certificate/standalone-root-ca", "selfSigned"])
        let events = try #require(report["events"] as? [[String: Any]])
        #expect(events.contains { $0["reason"] as? String == "Issued" }, "\(events)")

        let inspected = try await ExternalTool.run(keyward, ["inspect", "secret", "standalone-web-tls", "--state", state])
        #expect(inspected.status == 0 && inspected.stdout.contains("\(report["serialNumber"] as? String ?? "?")"), "\(inspected)")
        #expect(inspected.stdout.contains("matches certificate tls.crt#1") && !inspected.stdout.contains("PRIVATE KEY"), "\(inspected.stdout)")

        let rotation = try await ExternalTool.run(keyward, ["status", "--state", state, "secretrotation", "app-credentials"])
        #expect(rotation.status == 0 && rotation.stdout.contains("admin-password, api-token"), "\(rotation)")
        let table = try await ExternalTool.run(keyward, ["status", "--state", state])
        #expect(table.status == 0 && table.stdout.contains("standalone-web"), "the table still works: \(table)")
        let all = try await ExternalTool.run(keyward, ["status", "--state", state, "-A"])
        #expect(all.stdout == table.stdout, "-A is the table's default")
        let other = try await ExternalTool.run(keyward, ["status", "--state", state, "-n", "elsewhere"])
        #expect(other.status == 0 && !other.stdout.contains("standalone-web") && other.stdout.hasPrefix("KIND"), "\(other)")
        let both = try await ExternalTool.run(keyward, ["status", "--state", state, "-n", "default", "-A"])
        #expect(both.status != 0, "\(both)")
    }
}
