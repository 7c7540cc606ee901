import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCommands
import KeywardCore
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import RotationStrategies
import Testing

/// Issue 14's exploits as a namespace tenant would try them — resources made with the real `kubectl`, manual
/// triggers with the real `keyward` CLI — against keyward-apiserver and the operator's own wiring, each shown to
/// fail safely: Ready=False with a reason, a Warning Event, and nothing of anyone else's touched.
@Suite("Hostile tenant")
struct HostileTenantTests {
    static let tenantNamespace = "team-a"
    static let otherNamespace = "team-b"

    /// The cluster, the operator (with a files volume) and the tenant's kubectl.
    struct Setup {
        let cluster: OperatorCluster
        let volume: String
        let kubeconfig: String
        let operatorTask: Task<Void, any Error>

        static func start() async throws -> Setup {
            let cluster = try await OperatorCluster.start(users: ["keyward", "tenant"],
                                                          namespaces: [tenantNamespace, otherNamespace])
            let volume = cluster.directory.url.appendingPathComponent("volume").path
            try FileManager.default.createDirectory(atPath: volume, withIntermediateDirectories: true)
            let assembly = OperatorAssembly(client: cluster.client(for: "keyward"), concurrency: 2, volumeRoot: volume)
            let manager = await assembly.makeManager(elector: nil, health: nil)
            let operatorTask = Task { try await manager.run() }
            return Setup(cluster: cluster, volume: volume, kubeconfig: try cluster.kubeconfig(for: "tenant"),
                         operatorTask: operatorTask)
        }

        func stop() async {
            operatorTask.cancel()
            _ = await operatorTask.result
            await cluster.stop()
        }

        /// `kubectl` as the tenant.
        func kubectl(_ arguments: String...) async throws -> ExternalTool.Output {
            try await ExternalTool.run("/usr/bin/kubectl", ["--kubeconfig", kubeconfig] + arguments, timeout: 120)
        }

        /// `kubectl apply -f` of a manifest the tenant wrote.
        func apply(_ yaml: String) async throws -> ExternalTool.Output {
            let file = cluster.directory.url.appendingPathComponent("manifest-\(UUID().uuidString).yaml")
            try Data(yaml.utf8).write(to: file)
            return try await kubectl("apply", "-f", file.path)
        }

        /// The real `keyward` CLI as the tenant.
        func keyward(_ arguments: String...) async throws -> ExternalTool.Output {
            try await ExternalTool.run(try keywardExecutable(), arguments + ["--kubeconfig", kubeconfig], timeout: 60)
        }

        func rotation(_ name: String) async throws -> SecretRotation {
            try await cluster.admin.get(SecretRotation.self, name: name, namespace: tenantNamespace)
        }

        func certificate(_ name: String) async throws -> Certificate {
            try await cluster.admin.get(Certificate.self, name: name, namespace: tenantNamespace)
        }

        func secret(_ name: String) async throws -> Secret {
            try await cluster.admin.get(Secret.self, name: name, namespace: tenantNamespace)
        }

        /// Warning Events about `name` with `reason`.
        func warnings(about name: String, reason: String) async throws -> [Event] {
            try await cluster.admin.listAll(Event.self, in: .namespace(tenantNamespace)).items.filter {
                $0.involvedObject.name == name && $0.reason == reason && $0.type == .warning
            }
        }

        /// Writes by the operator to one Secret.
        func operatorWrites(toSecret name: String) async -> [WriteRecord] {
            await cluster.writes(by: "keyward", resources: ["secrets"], namespace: tenantNamespace).filter {
                $0.name == name && $0.changed
            }
        }

        /// Bumps the object's generation through kubectl and waits until the operator has reconciled that
        /// generation: level-triggered, that reconcile saw everything the tenant did before (e.g. a rotate request).
        /// `generations` reads (metadata.generation, status.observedGeneration).
        func syncWithOperator(_ resource: String, _ name: String, patch: String,
                              generations: @escaping @Sendable () async throws -> (Int64?, Int64?)) async throws -> Bool {
            let patched = try await kubectl("patch", resource, name, "-n", tenantNamespace, "--type", "merge", "-p", patch)
            guard patched.status == 0, let generation = try await generations().0 else { return false }
            return await within(60) { (try? await generations().1) == generation }
        }

        /// Runs `body` with a fresh setup and always stops it.
        static func with(_ body: (Setup) async throws -> Void) async throws {
            let setup = try await start()
            do { try await body(setup) } catch {
                await setup.stop()
                throw error
            }
            await setup.stop()
        }
    }

    // MARK: Ownership by consent

    @Test("a SecretRotation naming a foreign Secret never changes it, even on `keyward rotate`; with consent it is adopted")
    func secretRotationCannotTakeAForeignSecret() async throws {
        try await Setup.with { setup in
            let namespace = Self.tenantNamespace
            // Someone else's Secret (an ingress basic-auth Secret), made by the cluster admin.
            let original = Secret(metadata: ObjectMeta(name: "ingress-auth", namespace: namespace),
                                  data: ["auth": Data("admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/\n".utf8)])
            try await setup.cluster.create(original)
            let before = try await setup.secret("ingress-auth")

            let apply = try await setup.apply("""
                apiVersion: keyward.dev/v1alpha1
                kind: SecretRotation
                metadata: {name: steal, namespace: \(namespace)}
                spec:
                  secretName: ingress-auth
                  interval: 720h
                  keys: [{name: auth, generator: {password: {length: 32}}}]
                """)
            #expect(apply.status == 0, "\(apply)")
            let refused = await within(60) {
                (try? await setup.rotation("steal"))?.status?.conditions[type: SecretRotation.ConditionType.ready]?.reason
                    == SecretRotation.Reason.secretNotOwned
            }
            #expect(refused)
            let ready = try await setup.rotation("steal").status?.conditions[type: SecretRotation.ConditionType.ready]
            #expect(ready?.status == .false)
            #expect(ready?.message.contains("keyward.dev/allow-adoption=SecretRotation/steal") == true, "\(String(describing: ready))")
            #expect(await within(30) { (try? await setup.warnings(about: "steal", reason: SecretRotation.Reason.secretNotOwned))?.isEmpty == false })

            // The tenant asks for a rotation; the operator reconciles it (and a later spec change) and writes nothing.
            let rotate = try await setup.keyward("rotate", "steal", "-n", namespace)
            #expect(rotate.status == 0, "\(rotate)")
            #expect(try await setup.syncWithOperator("secretrotation.keyward.dev", "steal", patch: #"{"spec":{"interval":"721h"}}"#) {
                let rotation = try await setup.rotation("steal")
                return (rotation.metadata.generation, rotation.status?.observedGeneration)
            })
            let after = try await setup.secret("ingress-auth")
            #expect(after.data == before.data)
            #expect(after.metadata.labels == before.metadata.labels)
            #expect(after.metadata.annotations == before.metadata.annotations)
            #expect(after.metadata.resourceVersion == before.metadata.resourceVersion)
            #expect(await setup.operatorWrites(toSecret: "ingress-auth").isEmpty)
            #expect(try await setup.rotation("steal").status?.lastRotateRequest == nil)

            // The Secret's owner consents on the Secret itself: the next request adopts and rotates it.
            let consent = try await setup.kubectl("annotate", "secret", "ingress-auth", "-n", namespace,
                                                  "keyward.dev/allow-adoption=SecretRotation/steal")
            #expect(consent.status == 0, "\(consent)")
            let again = try await setup.keyward("rotate", "steal", "-n", namespace)
            #expect(again.status == 0, "\(again)")
            let adopted = await within(90) {
                guard let rotation = try? await setup.rotation("steal"), let secret = try? await setup.secret("ingress-auth")
                else { return false }
                return rotation.status?.lastRotateRequest != nil && rotation.status?.phase == .idle
                    && rotation.status?.conditions[type: SecretRotation.ConditionType.ready]?.status == .true
                    && secret.data["auth"] != original.data["auth"]
            }
            #expect(adopted)
            let taken = try await setup.secret("ingress-auth")
            #expect(taken.metadata.labels[KeywardLabels.owned] == KeywardLabels.ownedValue)
            #expect(taken.metadata.annotations[KeywardAnnotations.secretRotationName] == "steal")
        }
    }

    @Test("adoptExistingSecret on a CA's Secret leaves the CA untouched")
    func certificateCannotAdoptACASecret() async throws {
        try await Setup.with { setup in
            let namespace = Self.tenantNamespace
            let ca = try await setup.apply("""
                apiVersion: keyward.dev/v1alpha1
                kind: Certificate
                metadata: {name: root-ca, namespace: \(namespace)}
                spec: {secretName: root-ca-tls, isCA: true, commonName: Team Root CA, duration: 87600h, issuer: {selfSigned: {}}}
                """)
            #expect(ca.status == 0, "\(ca)")
            #expect(await within(60) {
                (try? await setup.certificate("root-ca"))?.status?.conditions[type: Certificate.ConditionType.ready]?.status == .true
            })
            let before = try await setup.secret("root-ca-tls")

            // The tenant aims a self-signed Certificate that keeps its key at the CA's Secret.
            let evil = try await setup.apply("""
                apiVersion: keyward.dev/v1alpha1
                kind: Certificate
                metadata: {name: evil, namespace: \(namespace)}
                spec:
                  secretName: root-ca-tls
                  adoptExistingSecret: true
                  commonName: evil.example.com
                  dnsNames: [evil.example.com]
                  issuer: {selfSigned: {}}
                  privateKey: {rotationPolicy: Never}
                """)
            #expect(evil.status == 0, "\(evil)")
            #expect(await within(60) {
                (try? await setup.certificate("evil"))?.status?.conditions[type: Certificate.ConditionType.ready]?.reason
                    == Certificate.Reason.secretNotOwned
            })
            #expect(await within(30) { (try? await setup.warnings(about: "evil", reason: Certificate.Reason.secretNotOwned))?.isEmpty == false })
            let renew = try await setup.keyward("renew", "evil", "-n", namespace)
            #expect(renew.status == 0, "\(renew)")
            #expect(try await setup.syncWithOperator("certificate.keyward.dev", "evil", patch: #"{"spec":{"duration":"2000h"}}"#) {
                let certificate = try await setup.certificate("evil")
                return (certificate.metadata.generation, certificate.status?.observedGeneration)
            })
            // The CA's certificate, key and provenance are as the CA made them (the CA itself may add its CRL).
            let after = try await setup.secret("root-ca-tls")
            for key in ["tls.crt", "tls.key", "ca.crt"] { #expect(after.data[key] == before.data[key], "\(key) changed") }
            for key in [KeywardAnnotations.certificateName, KeywardAnnotations.serial, KeywardAnnotations.revision] {
                #expect(after.metadata.annotations[key] == before.metadata.annotations[key], "\(key) changed")
            }
            #expect(after.metadata.annotations[KeywardAnnotations.certificateName] == "root-ca")
            #expect(after.metadata.ownerReferences.map(\.name) == ["root-ca"])
            #expect(try await setup.certificate("root-ca").status?.conditions[type: Certificate.ConditionType.ready]?.status == .true)
            #expect(try await setup.certificate("evil").status?.conditions[type: Certificate.ConditionType.ready]?.status == .false)
        }
    }

    // MARK: Files on the shared volume

    @Test("files: subPath ../other-ns is refused at admission; a symlinked component and a second claim are refused")
    func filesStayInTheTenantsFolder() async throws {
        try await Setup.with { setup in
            let namespace = Self.tenantNamespace
            let fm = FileManager.default
            // team-b's folder, with the CA file its servers verify clients against.
            let victim = "\(setup.volume)/\(Self.otherNamespace)/api"
            try fm.createDirectory(atPath: victim, withIntermediateDirectories: true)
            try Data("team-b ca\n".utf8).write(to: URL(fileURLWithPath: victim + "/ca.pem"))

            func certificate(_ name: String, files: String) -> String {
                """
                apiVersion: keyward.dev/v1alpha1
                kind: Certificate
                metadata: {name: \(name), namespace: \(namespace)}
                spec:
                  secretName: \(name)-tls
                  commonName: \(name).example.com
                  dnsNames: [\(name).example.com]
                  issuer: {selfSigned: {}}
                  files: \(files)
                """
            }
            func readyReason(_ name: String) async -> String? {
                (try? await setup.certificate(name))?.status?.conditions[type: Certificate.ConditionType.ready]?.reason
            }

            // 1. Escaping with .. never reaches the controller: the CRD schema names the field.
            let escape = try await setup.apply(certificate("escape", files: "{subPath: ../\(Self.otherNamespace)/api}"))
            #expect(escape.status != 0)
            #expect(escape.stderr.contains("spec.files.subPath"), "\(escape)")

            // 2. A symlink someone placed on the volume in the tenant's folder, pointing at team-b's.
            try fm.createDirectory(atPath: "\(setup.volume)/\(namespace)", withIntermediateDirectories: true)
            try fm.createSymbolicLink(atPath: "\(setup.volume)/\(namespace)/link", withDestinationPath: "../\(Self.otherNamespace)")
            let linked = try await setup.apply(certificate("linked", files: "{subPath: link/api}"))
            #expect(linked.status == 0, "\(linked)")
            #expect(await within(60) { await readyReason("linked") == Certificate.Reason.filesRefused })
            #expect(await within(30) { (try? await setup.warnings(about: "linked", reason: Certificate.Reason.filesRefused))?.isEmpty == false })
            #expect(try fm.contentsOfDirectory(atPath: victim) == ["ca.pem"])
            #expect(fm.contents(atPath: victim + "/ca.pem") == Data("team-b ca\n".utf8))
            // The Secret is still issued: only the files were refused.
            #expect(try await setup.secret("linked-tls").data["tls.crt"] != nil)

            // 3. Two Certificates aiming at one folder: the first keeps it, the second is told.
            let first = try await setup.apply(certificate("web", files: "{}"))
            #expect(first.status == 0, "\(first)")
            #expect(await within(60) { await readyReason("web") == Certificate.Reason.issued })
            let folder = "\(setup.volume)/\(namespace)/web"
            let firstKey = try #require(fm.contents(atPath: folder + "/privkey.pem"))
            let second = try await setup.apply(certificate("copycat", files: "{subPath: web}"))
            #expect(second.status == 0, "\(second)")
            #expect(await within(60) { await readyReason("copycat") == Certificate.Reason.filesConflict })
            let conflict = try await setup.certificate("copycat").status?.conditions[type: Certificate.ConditionType.ready]
            #expect(conflict?.message.contains("\(namespace)/web") == true, "\(String(describing: conflict))")
            #expect(await within(30) { (try? await setup.warnings(about: "copycat", reason: Certificate.Reason.filesConflict))?.isEmpty == false })
            #expect(fm.contents(atPath: folder + "/privkey.pem") == firstKey)
            #expect(await readyReason("web") == Certificate.Reason.issued)
        }
    }
}
