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
import RotationStrategies
import Testing

/// The operator's HTTP endpoint with the real wiring behind it: leader election, a CA, a leaf, a SecretRotation and
/// a revocation. `/metrics` is parsed (not string-matched) and every series issue 6 lists is checked against the
/// objects' own status; `/healthz` and `/readyz` answer; the CA's CRL is served as DER that openssl reads.
@Suite("Operator endpoint")
struct OperatorEndpointTests {
    @Test func metricsHealthAndCRLReflectTheCluster() async throws {
        let namespace = "metrics"
        let cluster = try await OperatorCluster.start(users: ["keyward"], namespaces: [namespace, "keyward-system"])
        let operatorUnderTest = await InProcessOperator(cluster, user: "keyward", scope: .allNamespaces,
                                                        leaderElection: true, serveHTTP: true)
        operatorUnderTest.start()
        let http = try #require(operatorUnderTest.http)
        let port = try #require(await http.boundPort())
        let transport = CurlTransport(tls: TLSSettings())
        defer { transport.shutdown() }
        func get(_ path: String) async throws -> HTTPResponse {
            try await transport.send(HTTPRequest(method: .get, url: URL(string: "http://127.0.0.1:\(port)\(path)")!))
        }
        func scrape() async throws -> Exposition {
            let response = try await get("/metrics")
            #expect(response.status == 200)
            return try Exposition(String(decoding: response.body, as: UTF8.self))
        }

        try await cluster.create(FaultWorkload.ca(namespace))
        try await cluster.create(FaultWorkload.leaf("web", namespace))
        try await cluster.create(SecretRotation(
            metadata: ObjectMeta(name: "creds", namespace: namespace),
            spec: SecretRotation.Spec(secretName: "creds", keys: [.init(name: "password", generator: .password())],
                                      interval: "720h")))
        let names = [FaultWorkload.caName, "web"]
        #expect(await within(60) { (try? await convergenceProblems(cluster, namespace: namespace, expected: names))?.isEmpty == true })
        func rotated(to revision: Int) async -> Bool {
            await within(60) {
                let rotation = try? await cluster.admin.get(SecretRotation.self, name: "creds", namespace: namespace)
                return (rotation?.status?.revision ?? 0) >= revision && rotation?.status?.phase == .idle
            }
        }
        #expect(await rotated(to: 1))
        // One rotation on request, so the rotation series have something to count.
        for attempt in 0..<20 {
            do {
                var rotation = try await cluster.admin.get(SecretRotation.self, name: "creds", namespace: namespace)
                rotation.metadata.annotations[KeywardAnnotations.rotate] = "endpoint-test"
                _ = try await cluster.admin.update(rotation)
                break
            } catch let error as KubernetesError where error.isConflict && attempt < 19 {}
        }
        #expect(await rotated(to: 2))

        // Probes: caches synced and the elector running, so both answer 200.
        #expect(await within(30) { (try? await get("/readyz"))?.status == 200 })
        #expect(try await get("/healthz").status == 200)

        var web = try await cluster.admin.get(Certificate.self, name: "web", namespace: namespace)
        let status = try #require(web.status)
        let labels = ["name": "web", "namespace": namespace, "issuer": "certificate/\(FaultWorkload.caName)"]
        let scraped = try await scrape()
        // The gauges are set with the status write that issued the certificate, not on a later reconcile.
        #expect(scraped.value("keyward_certificate_expiration_timestamp_seconds", labels) == status.notAfter?.timeIntervalSince1970)
        #expect(scraped.value("keyward_certificate_not_before_timestamp_seconds", labels) == status.notBefore?.timeIntervalSince1970)
        #expect(scraped.value("keyward_certificate_renewal_timestamp_seconds", labels) == status.renewalTime?.timeIntervalSince1970)
        #expect(scraped.value("keyward_certificate_ready_status", labels.merging(["condition": "True"]) { $1 }) == 1)
        #expect(scraped.value("keyward_certificate_ready_status", labels.merging(["condition": "False"]) { $1 }) == 0)
        #expect(scraped.value("keyward_certificate_issuances_total", labels) == 1)
        #expect(scraped.types["keyward_reconcile_duration_seconds"] == "histogram")
        #expect((scraped.value("keyward_reconcile_duration_seconds_count", ["controller": "certificate"]) ?? 0) >= 2)
        #expect((scraped.value("keyward_reconcile_duration_seconds_count", ["controller": "secretrotation"]) ?? 0) >= 1)
        #expect(scraped.value("keyward_reconcile_errors_total", ["controller": "certificate"]) != nil)
        #expect((scraped.value("keyward_api_requests_total", ["verb": "create", "resource": "secrets", "code": "201"]) ?? 0) >= 3)
        #expect(scraped.types["keyward_api_request_duration_seconds"] == "histogram")
        #expect((scraped.value("keyward_api_request_duration_seconds_count", ["verb": "create", "resource": "secrets"]) ?? 0) >= 3)
        #expect(scraped.value("keyward_leader_election_is_leader") == 1)

        let rotation = try await cluster.admin.get(SecretRotation.self, name: "creds", namespace: namespace)
        let rotationLabels = ["name": "creds", "namespace": namespace]
        #expect((scraped.value("keyward_secretrotation_rotations_total", rotationLabels.merging(["result": "success"]) { $1 }) ?? 0) >= 1)
        #expect(scraped.value("keyward_secretrotation_last_rotation_timestamp_seconds", rotationLabels)
                == rotation.status?.lastRotationTime?.timeIntervalSince1970)
        #expect(scraped.value("keyward_secretrotation_phase", rotationLabels.merging(["phase": "Idle"]) { $1 }) == 1)

        // Revoke the leaf: the counter moves and the CA's CRL, served as DER, lists the old serial.
        let oldSerial = try #require(status.serialNumber)
        try await cluster.edit("web", namespace: namespace) {
            $0.metadata.annotations[KeywardAnnotations.revoke] = "keyCompromise"
        }
        #expect(await within(60) {
            web = (try? await cluster.admin.get(Certificate.self, name: "web", namespace: namespace)) ?? web
            return web.status?.revokedCertificates.count == 1
                && web.status?.conditions[type: Certificate.ConditionType.ready]?.status == .true
        })
        #expect(web.status?.revokedCertificates.first?.serialNumber == oldSerial)
        #expect(await within(30) {
            (try? await scrape())?.value("keyward_certificate_revocations_total", labels) == 1
        })
        // The replacement's expiry reaches the gauge (read together with the stored status: the reissue may land
        // just after the revocation was first seen).
        #expect(await within(30) {
            let current = try? await cluster.admin.get(Certificate.self, name: "web", namespace: namespace)
            return (try? await scrape())?.value("keyward_certificate_expiration_timestamp_seconds", labels)
                == current?.status?.notAfter?.timeIntervalSince1970
        })

        var crlResponse = try await get("/crl/\(namespace)/\(FaultWorkload.caName).crl")
        #expect(await within(30) {
            crlResponse = (try? await get("/crl/\(namespace)/\(FaultWorkload.caName).crl")) ?? crlResponse
            return crlResponse.status == 200
                && (try? CertificateRevocationList(derEncoded: Array(crlResponse.body)))?.entries.count == 1
        })
        #expect(crlResponse.header("content-type") == "application/pkix-crl")
        let der = try cluster.directory.write("ca.crl", bytes: Array(crlResponse.body))
        let text = try await ExternalTool.run(ExternalTool.openssl, ["crl", "-inform", "DER", "-in", der, "-noout", "-text"])
        #expect(text.status == 0, "\(text)")
        #expect(text.stdout.uppercased().replacingOccurrences(of: ":", with: "").contains(oldSerial.uppercased()),
                "openssl lists the revoked serial \(oldSerial)")
        #expect(try await get("/crl/\(namespace)/web.crl").status == 404, "a leaf is not a CA and has no CRL")

        // Close our keep-alive connection first: a graceful HTTP shutdown waits for open connections.
        transport.shutdown()
        #expect(await operatorUnderTest.stop())
        await cluster.stop()
    }
}
