import Foundation
import KeywardAPI
import KeywardPKI
import KubernetesClient
import KubernetesResources

/// Suite 2, the API floor: the fewest requests an issuance needs — create the Secret, update the Certificate's
/// status — sent flat out through the controller's own client to the test API server. No controller can issue
/// faster than the API accepts these two writes.
enum APIFloorSuite {
    static let name = "api"

    /// Issuances per second the API sustains at the operator's default concurrency (4).
    static func run(report: Report, quick: Bool) async throws -> Double {
        let count = quick ? 400 : 4_000
        var floor = 0.0
        for width in [4, 16] {
            let rate = try await measure(count: count, width: width)
            report.add(Figure(name, "Secret create + status update, \(width) in flight", rate, "issuances/s",
                              note: "\(Report.format(rate * 2)) writes/s"))
            if width == 4 { floor = rate }
        }
        return floor
    }

    private static func measure(count: Int, width: Int) async throws -> Double {
        let cluster = try await BenchCluster.start()
        let client = cluster.controllerClient()
        defer { client.shutdown() }

        // Real PEM of the usual sizes, so the Secrets weigh what issued ones do.
        let ca = try CryptoSuite.makeCA(.ecdsaP256)
        let key = try PrivateKey.generate(.ecdsaP256)
        let issued = try ca.issue(template: CryptoSuite.leafTemplate(0), subjectKey: key, now: Date())
        let data: [String: Data] = [
            "tls.crt": Data(issued.fullchainPEM.utf8), "tls.key": Data(key.pemEncoded().utf8),
            "ca.crt": Data(PEMBundle.pemEncoded(issued.caCertificate).utf8),
        ]
        let certificates = (0..<count).map { Workload.leaf($0) }
        var created: [Certificate] = []
        created.reserveCapacity(count)
        for chunk in stride(from: 0, to: count, by: 200) {
            let slice = Array(certificates[chunk..<min(count, chunk + 200)])
            try await cluster.create(slice)
        }
        created = try await cluster.client.listAll(Certificate.self, in: .namespace(BenchCluster.namespace)).items
        let now = Date()
        let watch = Stopwatch()
        try await BenchCluster.forEach(created, width: width) { certificate in
            _ = try await client.create(Secret(
                metadata: ObjectMeta(name: certificate.spec.secretName, namespace: BenchCluster.namespace,
                                     labels: KeywardLabels.standard),
                type: Secret.tlsType, data: data))
            var updated = certificate
            updated.status = Certificate.Status(
                conditions: [Condition(type: Certificate.ConditionType.ready, status: .true, reason: Certificate.Reason.issued,
                                       message: "Certificate is up to date and has not expired", lastTransitionTime: now)],
                state: .issued, notBefore: now, notAfter: now.addingTimeInterval(90 * 86_400), revision: 1)
            _ = try await client.updateStatus(updated)
        }
        let seconds = watch.seconds
        await cluster.stop()
        return Double(count) / seconds
    }
}
