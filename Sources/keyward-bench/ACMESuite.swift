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
        do {
            let responder = try HTTP01TestResponder(port: pebble.httpPort)
            let floor: Floor
            do {
                floor = try await measureFloor(pebble: pebble, responder: responder, count: count, width: width, report: report)
            } catch {
                responder.stop()
                throw error
            }
            // The signer path serves HTTP-01 on the same port itself.
            responder.stop()
            try await measureSignerPath(pebble: pebble, count: count, floor: floor, report: report)
        } catch {
            await pebble.stop()
            throw error
        }
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

    /// The operator's ACME issuer path against the same Pebble, with ``Floor`` as its baseline: `keyward run --once`
    /// with one acme Issuer and `count` one-name Certificates, HTTP-01 on Keyward's own listener (`http01.listen` on
    /// Pebble's HTTP port). Account registration, keys, CSRs, solver, self-check and file output are all in the path.
    static func measureSignerPath(pebble: PebbleServer, count: Int, floor: Floor, report: Report) async throws {
        let scratch = try Paths.scratchDirectory("acme")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let manifests = scratch.appendingPathComponent("manifests")
        try FileManager.default.createDirectory(at: manifests, withIntermediateDirectories: true)
        var yaml = pebble.issuerManifest(solvers: ["- http01:", "    listen: \"127.0.0.1:\(pebble.httpPort)\""])
        for index in 0..<count {
            yaml += """
                ---
                apiVersion: keyward.dev/v1alpha1
                kind: Certificate
                metadata:
                  name: signer-\(index)
                  namespace: default
                spec:
                  secretName: signer-\(index)-tls
                  dnsNames: [signer-\(index).acme.bench.test]
                  issuer:
                    issuerRef: {kind: Issuer, name: pebble}
                  files:
                    subPath: signer-\(index)

                """
        }
        try yaml.write(to: manifests.appendingPathComponent("acme.yaml"), atomically: true, encoding: .utf8)
        let out = scratch.appendingPathComponent("out")
        let watch = Stopwatch()
        let run = try await Subprocess.run(Paths.selfExecutable.path, [
            "keyward", "run", "--once", "--manifests", manifests.path, "--state", scratch.appendingPathComponent("state").path,
            "--out", out.path, "--log-level", "error", "--egress-allow-cidr", "127.0.0.0/8", "--pending-timeout", "600",
            // Pebble resolves every name to 127.0.0.1; this machine's resolver does not, so the self-check goes there too.
            "--acme-http01-self-check-port", String(pebble.httpPort),
            "--acme-http01-self-check-connect-to", ":\(pebble.httpPort):127.0.0.1:\(pebble.httpPort)",
        ])
        let seconds = watch.seconds
        let issued = (0..<count).filter {
            FileManager.default.fileExists(atPath: out.appendingPathComponent("signer-\($0)/cert.pem").path)
        }.count
        guard run.status == 0, issued == count else {
            report.note(name, "keyward run --once exited \(run.status) with \(issued)/\(count) certificates: "
                        + "\(run.stdout.suffix(1_000)) \(run.stderr.suffix(1_000))")
            return
        }
        report.add(Figure(name, "keyward run --once, \(count) ACME certificates (HTTP-01 on its own listener)", seconds, "s",
                          baseline: ("bare orders, 4 in flight", Double(count) / floor.certificatesPerSecond)))
        report.add(Figure(name, "keyward run --once, ACME, per certificate", seconds / Double(count) * 1000, "ms/certificate",
                          baseline: ("bare order, one at a time", floor.secondsPerCertificate * 1000)))
    }
}
