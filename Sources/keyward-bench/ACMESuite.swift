import ACME
import Foundation
import KeywardCore
import KeywardTestSupport

/// Suite `acme`: certificates from a real Pebble (its default 5% bad nonces included; validation without sleeps).
///
/// The protocol floor measured here is N bare orders made by ``ACMEBareFlow`` with the ACME client — nothing of the
/// operator in the path — one at a time (issuance latency) and `width` at a time (throughput). The issuer path
/// through the operator (N Certificates to Ready through the ACME signer) is measured against the same Pebble
/// next to it, with this floor as its baseline: see ``measureSignerPath``.
enum ACMESuite {
    static let name = "acme"

    /// The floor figures the signer path is compared with.
    struct Floor: Sendable {
        var secondsPerCertificate: Double
        var certificatesPerSecond: Double
    }

    static func run(report: Report, quick: Bool) async throws {
        let count = quick ? 10 : 100
        let width = 4
        let pebble = try await PebbleServer.start()
        let responder = try HTTP01TestResponder(port: pebble.httpPort)
        do {
            let floor = try await measureFloor(pebble: pebble, responder: responder, count: count, width: width, report: report)
            try await measureSignerPath(pebble: pebble, count: count, floor: floor, report: report)
        } catch {
            responder.stop()
            await pebble.stop()
            throw error
        }
        responder.stop()
        await pebble.stop()
    }

    static func measureFloor(pebble: PebbleServer, responder: HTTP01TestResponder, count: Int, width: Int,
                             report: Report) async throws -> Floor {
        let client = ACMEClient(
            configuration: ACMEClientConfiguration(directoryURL: pebble.directoryURL, caPEM: pebble.tlsCertificatePEM,
                                                   egress: EgressPolicy(allow: [try CIDR(parsing: "127.0.0.0/8")])),
            accountKey: .generateP256())
        _ = try await client.registerAccount(termsOfServiceAgreed: true)
        let flow = ACMEBareFlow(client: client, responder: responder)
        _ = try await flow.issue(["warmup.acme.bench.test"])
        let requestsBefore = await client.requestCount
        let retriesBefore = await client.badNonceRetries

        // One at a time: what one certificate costs end to end.
        var watch = Stopwatch()
        for index in 0..<count { _ = try await flow.issue(["seq-\(index).acme.bench.test"]) }
        let sequential = watch.seconds / Double(count)
        let requests = Double(await client.requestCount - requestsBefore) / Double(count)
        report.add(Figure(name, "bare ACME order (HTTP-01, 1 name), one at a time", sequential * 1000, "ms/certificate",
                          note: "\(count) orders; \(Report.format(requests)) requests per certificate"))

        // `width` in flight: the throughput the protocol allows against this CA.
        watch = Stopwatch()
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            for _ in 0..<width where next < count {
                let index = next
                next += 1
                group.addTask { _ = try await flow.issue(["par-\(index).acme.bench.test"]) }
            }
            while try await group.next() != nil, next < count {
                let index = next
                next += 1
                group.addTask { _ = try await flow.issue(["par-\(index).acme.bench.test"]) }
            }
            try await group.waitForAll()
        }
        let throughput = Double(count) / watch.seconds
        let retries = await client.badNonceRetries - retriesBefore
        report.add(Figure(name, "bare ACME orders, \(width) in flight", throughput, "certificates/s",
                          note: "\(count) orders; \(retries) badNonce retries over both runs"))
        return Floor(secondsPerCertificate: sequential, certificatesPerSecond: throughput)
    }

    /// The operator's ACME issuer path against the same Pebble, with ``Floor`` as its baseline. Not measured yet:
    /// the ACME signer adds it here (N Certificates with an ACME Issuer through the in-process operator).
    static func measureSignerPath(pebble: PebbleServer, count: Int, floor: Floor, report: Report) async throws {
        report.note(name, "signer path not measured yet: only the protocol floor (bare orders) above")
    }
}
