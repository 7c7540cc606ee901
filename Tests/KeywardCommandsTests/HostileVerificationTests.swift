import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCommands
import KeywardCore
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Testing

/// Issue 14's verification exploits as a tenant would try them with the real `kubectl`, against keyward-apiserver
/// and the operator's own wiring: `verify.http` aimed at an address the operator may not reach, and `verify.job`
/// asking for another service account and someone else's Secret.
@Suite("Hostile tenant: verification")
struct HostileVerificationTests {
    static let namespace = "team-a"

    struct Setup {
        let cluster: OperatorCluster
        let kubeconfig: String
        let operatorTask: Task<Void, any Error>

        /// The operator allows only 127.0.0.2: the test's listeners on 127.0.0.1 stand in for a denied range.
        static func with(_ body: (Setup) async throws -> Void) async throws {
            let cluster = try await OperatorCluster.start(users: ["keyward", "tenant"], namespaces: [namespace])
            var assembly = OperatorAssembly(client: cluster.client(for: "keyward"), concurrency: 2)
            assembly.egress = EgressPolicy(allow: [try CIDR(parsing: "127.0.0.2/32")])
            let manager = await assembly.makeManager(elector: nil, health: nil)
            let setup = Setup(cluster: cluster, kubeconfig: try cluster.kubeconfig(for: "tenant"),
                              operatorTask: Task { try await manager.run() })
            do { try await body(setup) } catch {
                await setup.stop()
                throw error
            }
            await setup.stop()
        }

        func stop() async {
            operatorTask.cancel()
            _ = await operatorTask.result
            await cluster.stop()
        }

        func kubectl(_ arguments: String...) async throws -> ExternalTool.Output {
            try await ExternalTool.run("/usr/bin/kubectl", ["--kubeconfig", kubeconfig] + arguments, timeout: 120)
        }

        func apply(_ yaml: String) async throws -> ExternalTool.Output {
            let file = cluster.directory.url.appendingPathComponent("manifest-\(UUID().uuidString).yaml")
            try Data(yaml.utf8).write(to: file)
            return try await kubectl("apply", "-f", file.path)
        }

        func rotation(_ name: String) async throws -> SecretRotation {
            try await cluster.admin.get(SecretRotation.self, name: name, namespace: namespace)
        }

        /// `status.phase` as stored (the wire form, `Idle`, `Failed` …).
        func phase(_ name: String) async -> String? {
            await cluster.server.storedObject(group: "keyward.dev", resource: "secretrotations", namespace: namespace,
                                              name: name)?["status"]?["phase"]?.stringValue
        }

        func secret(_ name: String) async throws -> Secret {
            try await cluster.admin.get(Secret.self, name: name, namespace: namespace)
        }

        /// The first values are written (they are never verified).
        func provisioned(_ name: String) async -> Bool {
            await within(60) {
                guard (try? await secret(name)) != nil else { return false }
                return await phase(name) == "Idle"
            }
        }

        /// Asks for a rotation (the `keyward.dev/rotate` annotation `keyward rotate` sets).
        func requestRotation(_ name: String) async throws -> Bool {
            try await kubectl("annotate", "secretrotation.keyward.dev", name, "-n", namespace,
                              "\(KeywardAnnotations.rotate)=\(UUID().uuidString)", "--overwrite").status == 0
        }

        /// The Jobs in the namespace as `kubectl get jobs -o json` shows them.
        func jobs() async throws -> [JSONValue] {
            let out = try await kubectl("get", "jobs", "-n", namespace, "-o", "json")
            return try JSONValue.parse(Data(out.stdout.utf8))["items"]?.arrayValue ?? []
        }
    }

    @Test("verify.http at a denied address: zero connections, a classified failure, the value kept")
    func httpAtADeniedAddress() async throws {
        let listener = try CountingListener()
        defer { listener.stop() }
        try await Setup.with { setup in
            // "localhost" too: the operator checks the resolved address, not the name.
            for (name, url) in [("metadata", listener.url), ("by-name", "http://localhost:\(listener.port)/")] {
                let applied = try await setup.apply("""
                    apiVersion: keyward.dev/v1alpha1
                    kind: SecretRotation
                    metadata: {name: \(name), namespace: \(Self.namespace)}
                    spec:
                      secretName: \(name)
                      interval: 720h
                      keys: [{name: password, generator: {password: {}}}]
                      verify: {http: {url: "\(url)", headers: [{name: X-Password, value: "{{ candidate.password }}"}]}}
                    """)
                #expect(applied.status == 0, "\(applied)")
                let provisioned = await setup.provisioned(name)
                let state = try? await setup.rotation(name).status
                #expect(provisioned, "\(String(describing: state))")
                let before = try await setup.secret(name).data
                #expect(try await setup.requestRotation(name))
                let failed = await within(60) { (try? await setup.rotation(name))?.status?.failedAttempts ?? 0 >= 1 }
                #expect(failed)
                let status = try #require(try await setup.rotation(name).status)
                #expect(status.conditions[type: SecretRotation.ConditionType.ready]?.reason == "VerificationFailed")
                #expect(status.lastError?.hasSuffix("is denied by the operator's egress policy") == true, "\(status.lastError ?? "")")
                #expect(try await setup.secret(name).data == before)
            }
            #expect(listener.connectionCount == 0)
        }
    }

    @Test("verify.job: pod fields are refused; the operator-built pod has no token and no foreign volume; success promotes")
    func jobRunsWithoutEscalation() async throws {
        try await Setup.with { setup in
            // Someone else's Secret the tenant would like to read from inside the verification pod.
            try await setup.cluster.create(Secret(metadata: ObjectMeta(name: "deployer-token", namespace: Self.namespace),
                                                  data: ["token": Data("not-for-tenants".utf8)]))
            let escalate = try await setup.apply("""
                apiVersion: keyward.dev/v1alpha1
                kind: SecretRotation
                metadata: {name: escalate, namespace: \(Self.namespace)}
                spec:
                  secretName: escalate
                  interval: 720h
                  keys: [{name: password, generator: {password: {}}}]
                  verify:
                    job:
                      template:
                        template:
                          spec:
                            serviceAccountName: deployer
                            volumes: [{name: loot, secret: {secretName: deployer-token}}]
                            containers: [{name: c, image: busybox, volumeMounts: [{name: loot, mountPath: /loot}]}]
                """)
            #expect(escalate.status == 0, "\(escalate)")
            let refused = await within(60) {
                (try? await setup.rotation("escalate"))?.status?.conditions[type: SecretRotation.ConditionType.ready]?.reason
                    == SecretRotation.Reason.invalidSpec
            }
            #expect(refused)
            let message = try await setup.rotation("escalate").status?.conditions[type: SecretRotation.ConditionType.ready]?.message
            #expect(message?.hasPrefix("spec.verify.job.template.template.spec.serviceAccountName") == true, "\(message ?? "")")

            let check = try await setup.apply("""
                apiVersion: keyward.dev/v1alpha1
                kind: SecretRotation
                metadata: {name: check, namespace: \(Self.namespace)}
                spec:
                  secretName: check
                  interval: 720h
                  keys: [{name: password, generator: {password: {}}}]
                  verify:
                    job:
                      template:
                        template:
                          spec:
                            containers: [{name: c, image: busybox, command: [sh, -c, "test -s /var/run/keyward/candidate/password"]}]
                """)
            #expect(check.status == 0, "\(check)")
            let provisioned = await setup.provisioned("check")
            let state = try? await setup.rotation("check").status
            #expect(provisioned, "\(String(describing: state))")
            let before = try await setup.secret("check").data["password"]
            let revision = try await setup.rotation("check").status?.revision ?? 0
            #expect(try await setup.requestRotation("check"))
            let started = await within(60) { ((try? await setup.jobs()) ?? []).count == 1 }
            #expect(started)
            let job = try #require(try await setup.jobs().first)
            let name = try #require(job["metadata"]?["name"]?.stringValue)
            #expect(name.hasPrefix("check-verify-"))
            let pod = try #require(job["spec"]?["template"]?["spec"])
            #expect(pod["automountServiceAccountToken"] == false && pod["serviceAccountName"] == "default")
            let volumes = pod["volumes"]?.arrayValue ?? []
            #expect(volumes.count == 1 && volumes.first?["secret"]?["secretName"]?.stringValue?.hasPrefix("check-candidate-") == true)
            #expect(!job.jsonString.contains("deployer"))
            #expect(pod["containers"]?.arrayValue?.first?["securityContext"]?["allowPrivilegeEscalation"] == false)

            // The tenant cannot play the Job controller; the cluster does (here: the admin, through the API).
            #expect(await setup.cluster.server.finishJob(namespace: Self.namespace, name: name, succeeded: true))
            let promoted = await within(60) {
                let rotation = try? await setup.rotation("check")
                let phase = await setup.phase("check")
                return rotation?.status?.revision == revision + 1 && phase == "Idle"
            }
            #expect(promoted)
            #expect(try await setup.secret("check").data["password"] != before)
            let cleaned = await within(60) { ((try? await setup.jobs()) ?? []).isEmpty }
            #expect(cleaned)
        }
    }
}
