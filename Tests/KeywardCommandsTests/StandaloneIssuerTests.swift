import Foundation
@testable import KeywardCommands
import KeywardAPI
import KeywardCore
import KeywardPKI
import KeywardTestSupport
import KubernetesClient
import StandaloneStore
import Testing

/// `keyward run` reads Issuer and ClusterIssuer manifests: issuers become Ready in the same run as the
/// Certificates that reference them, and openssl verifies what they signed.
@Suite("Standalone issuers")
struct StandaloneIssuerTests {
    @Test("--once: a ca Issuer over a CA Certificate's Secret and a selfSigned ClusterIssuer issue their Certificates")
    func issuers() async throws {
        let directory = try TemporaryDirectory(prefix: "keyward-standalone-issuers")
        let manifests = directory.path("manifests")
        try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
        try """
            apiVersion: keyward.dev/v1alpha1
            kind: Certificate
            metadata: {name: team-ca}
            spec: {secretName: team-ca-tls, commonName: Team CA, isCA: true, issuer: {selfSigned: {}}}
            ---
            apiVersion: keyward.dev/v1alpha1
            kind: Issuer
            metadata: {name: team-ca}
            spec: {ca: {secretName: team-ca-tls}}
            ---
            apiVersion: keyward.dev/v1alpha1
            kind: ClusterIssuer
            metadata: {name: self}
            spec: {selfSigned: {}}
            ---
            apiVersion: keyward.dev/v1alpha1
            kind: Certificate
            metadata: {name: api}
            spec: {secretName: api-tls, dnsNames: [api.example.com], files: {}, issuer: {issuerRef: {kind: Issuer, name: team-ca}}}
            ---
            apiVersion: keyward.dev/v1alpha1
            kind: Certificate
            metadata: {name: internal}
            spec: {secretName: internal-tls, commonName: internal.example.com, issuer: {issuerRef: {kind: ClusterIssuer, name: self}}}
            """.write(toFile: "\(manifests)/issuers.yaml", atomically: true, encoding: .utf8)
        let runner = try Standalone.makeRunner(manifests: manifests, state: directory.path("state"), out: directory.path("out"),
                                               clock: SystemClock())
        let outcomes = try await runner.runOnce()
        #expect(outcomes.allSatisfy { $0.error == nil }, "\(outcomes)")
        let issuer = try await runner.store.get(IssuerResource.self, namespace: "default", name: "team-ca")
        #expect(issuer?.isReady == true, "\(String(describing: issuer?.status))")
        let clusterIssuer = try await runner.store.get(ClusterIssuerResource.self, namespace: nil, name: "self")
        #expect(clusterIssuer?.isReady == true)
        for name in ["api", "internal"] {
            let certificate = try await runner.store.get(Certificate.self, namespace: "default", name: name)
            #expect(certificate?.status?.conditions.isTrue(Certificate.ConditionType.ready) == true, "\(name)")
        }
        let api = directory.path("out/default/api")
        let verify = try await ExternalTool.openssl("verify", "-CAfile", "\(api)/ca.pem", "\(api)/cert.pem")
        #expect(verify.status == 0, "\(verify)")
        // A second run over the same state changes nothing.
        let again = try Standalone.makeRunner(manifests: manifests, state: directory.path("state"), out: directory.path("out"),
                                              clock: SystemClock())
        _ = try await again.runOnce()
        #expect(await again.store.writeCount == 0)
    }
}
