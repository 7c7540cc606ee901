import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCommands
import KeywardTestSupport
import KubeAPIServer
import KubernetesClient
import Testing

/// `--namespaces` mode still serves ClusterIssuers: they are cluster-scoped, so one cluster-wide informer watches
/// them (the namespaced RBAC grants clusterissuers through a ClusterRole of its own) while everything else stays
/// in the watched namespaces.
@Suite("ClusterIssuers in --namespaces mode")
struct NamespacedClusterIssuerTests {
    @Test func aClusterIssuerSignsForTheWatchedNamespacesOnly() async throws {
        let cluster = try await OperatorCluster.start(users: ["keyward"], namespaces: ["team-a", "team-b", "elsewhere"])
        let operatorUnderTest = await InProcessOperator(cluster, user: "keyward", scope: .allNamespaces,
                                                        namespaces: ["team-a", "team-b"])
        operatorUnderTest.start()
        try await cluster.create(ClusterIssuerResource(metadata: ObjectMeta(name: "shared-self-signed"),
                                                       spec: IssuerSpec(selfSigned: .init())))
        for namespace in ["team-a", "elsewhere"] {
            try await cluster.create(Certificate(
                metadata: ObjectMeta(name: "web", namespace: namespace),
                spec: Certificate.Spec(secretName: "web-tls",
                                       issuer: .init(issuerRef: .init(kind: .clusterIssuer, name: "shared-self-signed")),
                                       commonName: "web.\(namespace).svc", dnsNames: ["web.\(namespace).svc"])))
        }
        let admin = cluster.admin
        let issuerReady = await within(60) {
            (try? await admin.get(ClusterIssuerResource.self, name: "shared-self-signed"))?.isReady == true
        }
        #expect(issuerReady, "the ClusterIssuer's Ready condition is set in --namespaces mode")
        let certificateReady = await within(60) {
            let web = try? await admin.get(Certificate.self, name: "web", namespace: "team-a")
            return web?.status?.conditions[type: Certificate.ConditionType.ready]?.status == .true
        }
        #expect(certificateReady, "a Certificate in a watched namespace is signed by the ClusterIssuer")
        #expect(await operatorUnderTest.stop())
        let outside = try await cluster.admin.get(Certificate.self, name: "web", namespace: "elsewhere")
        #expect(outside.status == nil, "a Certificate outside --namespaces is not reconciled")
        // Cluster-wide requests are the ClusterIssuers' only (and their Events, which go to `default` as client-go
        // puts them); no namespaced object outside the watched namespaces.
        let requests = await cluster.server.requestLog().filter { $0.user == "keyward" && $0.resource != nil }
        let stray = requests.filter { record in
            let resource = record.resource ?? ""
            if ["leases", "clusterissuers", "clusterissuers/status"].contains(resource) { return false }
            if resource == "events", record.namespace == "default", record.name?.hasPrefix("shared-self-signed.") == true { return false }
            return !["team-a", "team-b"].contains(record.namespace ?? "")
        }
        #expect(stray.isEmpty, "requests outside the watched namespaces: \(stray.map { "\($0.method) \($0.path)" })")
        #expect(requests.contains { $0.resource == "clusterissuers" && $0.namespace == nil })
        await cluster.stop()
    }
}
