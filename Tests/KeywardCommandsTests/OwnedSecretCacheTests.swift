import Foundation
import KeywardAPI
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import KubernetesResources
import Testing

/// The operator trusts its label-selected Secret cache for a Certificate's own Secret: the first issuance sends no
/// GET for a Secret that cannot exist yet, and a foreign Secret of the same name is still found (through the
/// create's 409) and left untouched.
@Suite("Owned Secret cache")
struct OwnedSecretCacheTests {
    @Test func firstIssuanceSkipsTheSecretReadAndAForeignSecretIsStillRespected() async throws {
        let namespace = "owned"
        let cluster = try await OperatorCluster.start(users: ["keyward"], namespaces: [namespace])
        let foreign = try await cluster.admin.create(Secret(metadata: ObjectMeta(name: "taken-tls", namespace: namespace),
                                                            data: ["tls.crt": Data("user data".utf8)]))
        let operatorUnderTest = await InProcessOperator(cluster, user: "keyward", scope: .namespace(namespace))
        operatorUnderTest.start()
        try await cluster.create(FaultWorkload.ca(namespace))
        try await cluster.create(FaultWorkload.leaf("fresh", namespace))
        var taken = FaultWorkload.leaf("taken", namespace)
        taken.spec.secretName = "taken-tls"
        try await cluster.create(taken)

        var problems: [String] = []
        let issued = await within(60) {
            problems = (try? await convergenceProblems(cluster, namespace: namespace,
                                                       expected: [FaultWorkload.caName, "fresh"])) ?? ["cannot list"]
            return problems.isEmpty
        }
        #expect(issued, "not converged: \(problems)")
        let refused = await within(60) {
            let certificate = try? await cluster.admin.get(Certificate.self, name: "taken", namespace: namespace)
            return certificate?.status?.conditions[type: Certificate.ConditionType.ready]?.reason == Certificate.Reason.secretNotOwned
        }
        #expect(refused, "the Certificate pointing at a foreign Secret is Ready=False SecretNotOwned")
        #expect(await operatorUnderTest.stop())

        let stored = try await cluster.admin.get(Secret.self, name: "taken-tls", namespace: namespace)
        #expect(stored.metadata.resourceVersion == foreign.metadata.resourceVersion, "the foreign Secret was written")
        #expect(stored.data["tls.crt"] == Data("user data".utf8))

        let secretGets = await cluster.server.requestLog()
            .filter { $0.user == "keyward" && $0.verb == .get && $0.resource == "secrets" }
            .compactMap(\.name)
        #expect(!secretGets.contains("fresh-tls"), "a GET for a Secret the cache proves absent: \(secretGets)")
        #expect(secretGets.contains("taken-tls"), "the foreign Secret is read once the create finds it: \(secretGets)")
        await cluster.stop()
    }
}
