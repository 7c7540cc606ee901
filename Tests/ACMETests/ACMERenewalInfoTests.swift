import ACME
import Foundation
import KeywardCore
import KeywardTestSupport
import SwiftASN1
import Testing

/// ACME Renewal Information against a loopback HTTPS stub (a real nginx) serving a recorded renewalInfo response.
@Suite("ACME renewal information")
struct ACMERenewalInfoTests {
    /// A renewalInfo response as Let's Encrypt serves it (recorded; the times are what the CA chose then).
    static let recorded = #"""
        {
          "suggestedWindow": {
            "start": "2026-12-20T08:53:47.218743876Z",
            "end": "2026-12-22T07:42:39.185079544Z"
          },
          "explanationURL": "https://letsencrypt.org/2025/01/22/ending-ocsp/"
        }
        """#

    @Test func fetchesTheSuggestedWindowWithRetryAfterAndSurfacesRateLimits() async throws {
        // The certificate ARI asks about: any with an authority key identifier; openssl prints the parts
        // independently of our certID code.
        let scratch = try TemporaryDirectory()
        let leafKey = scratch.path("leaf.key"), leaf = scratch.path("leaf.pem")
        let made = try await ExternalTool.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                                  "-nodes", "-keyout", leafKey, "-out", leaf, "-days", "90", "-subj", "/CN=ari.example.test",
                                                  "-set_serial", "0x87654321",
                                                  "-addext", "authorityKeyIdentifier=keyid:always")
        #expect(made.status == 0, "\(made)")
        let pem = try String(contentsOfFile: leaf, encoding: .utf8)
        let der = try PEMDocument(pemString: pem).derBytes
        let certID = try ARICertID(certificateDER: der)
        let aki = try await ExternalTool.openssl("x509", "-in", leaf, "-noout", "-ext", "authorityKeyIdentifier")
        let akiHex = aki.stdout.split(separator: "\n").last.map { $0.replacingOccurrences(of: "keyid:", with: "")
            .replacingOccurrences(of: ":", with: "").trimmingCharacters(in: .whitespaces) } ?? ""
        let akiBytes = stride(from: 0, to: akiHex.count, by: 2).compactMap { i -> UInt8? in
            let start = akiHex.index(akiHex.startIndex, offsetBy: i)
            return UInt8(akiHex[start..<akiHex.index(start, offsetBy: 2)], radix: 16)
        }
        #expect(akiBytes.count == 20)
        #expect(certID == ARICertID(authorityKeyIdentifier: akiBytes, serialNumber: [0x87, 0x65, 0x43, 0x21]))
        #expect(certID.string.hasSuffix(".AIdlQyE"))

        let limitedID = ARICertID(authorityKeyIdentifier: akiBytes, serialNumber: [0x01])
        let stub = try await ARIStubServer(port: try PebbleServer.freePort(), responses: [certID.string: Self.recorded],
                                           rateLimited: [limitedID.string])
        do {
            try await askTheStub(stub, der: der, certID: certID, limitedID: limitedID, akiBytes: akiBytes)
        } catch {
            await stub.stop()
            throw error
        }
        await stub.stop()
    }

    private func askTheStub(_ stub: ARIStubServer, der: [UInt8], certID: ARICertID, limitedID: ARICertID,
                            akiBytes: [UInt8]) async throws {
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_796_400_000))
        let client = ACMEClient(
            configuration: ACMEClientConfiguration(directoryURL: stub.baseURL.appendingPathComponent("dir"),
                                                   caPEM: stub.certificatePEM, alsoTrustSystemRoots: true,
                                                   egress: EgressPolicy(allow: [try CIDR(parsing: "127.0.0.0/8")])),
            accountKey: .generateP256(), clock: clock)
        #expect(try await client.supportsRenewalInfo())
        let fetched = try await client.renewalInfo(forCertificateDER: der)
        let info = try #require(fetched)
        #expect(abs(info.windowStart.timeIntervalSince(RFC3339("2026-12-20T08:53:47Z")) - 0.218743876) < 0.001)
        #expect(abs(info.windowEnd.timeIntervalSince(RFC3339("2026-12-22T07:42:39Z")) - 0.185079544) < 0.001)
        #expect(info.explanationURL?.host == "letsencrypt.org")
        #expect(info.retryAfter == clock.now.addingTimeInterval(21_600), "Retry-After 21600 from the stub")
        var generator = SystemRandomNumberGenerator()
        let moment = info.renewalTime(now: clock.now, using: &generator)
        #expect(moment >= info.windowStart && moment <= info.windowEnd)

        do {
            _ = try await client.renewalInfo(for: limitedID)
            Issue.record("a 429 was not an error")
        } catch {
            guard case .rateLimited(let problem, _, let retryAfter) = error else {
                Issue.record("expected rateLimited, got \(error)")
                return
            }
            #expect(problem.detail == "too many renewalInfo requests")
            #expect(retryAfter == clock.now.addingTimeInterval(120), "the caller backs off until the server's time")
        }
        // An unknown certificate: the stub's 404 is an error naming the URL, not a window.
        await #expect(throws: ACMEError.self) {
            _ = try await client.renewalInfo(for: ARICertID(authorityKeyIdentifier: akiBytes, serialNumber: [0x02]))
        }
    }

    private func RFC3339(_ text: String) -> Date { (try? Date(text, strategy: Date.ISO8601FormatStyle())) ?? .distantPast }
}
