import Foundation
import KeywardAPI
import KeywardCore
import KeywardTestSupport
import KubernetesClient
import RotationStrategies
@testable import SecretRotationController
import Synchronization
import Testing

/// `spec.verify.http` is aimed by a tenant: it reaches only addresses the egress policy allows, reads a bounded
/// response, and reports only a classified outcome.
@Suite("Verification egress")
struct EgressTests {
    static func cidr(_ text: String) throws -> CIDR { try CIDR(parsing: text) }

    static func request(_ url: String, timeout: TimeInterval = 5) throws -> VerificationRequest {
        VerificationRequest(url: try #require(URL(string: url)), timeout: timeout)
    }

    /// Phrases of libcurl's error text that must never reach a tenant.
    static let rawTransportText = ["curl", "Failed to connect", "Couldn't connect", "Connection refused", "port ",
                                   "Recv failure", "Operation timed out", "Connection reset", "127.0.0.1 "]

    @Test("a loopback listener outside the allow list counts zero connections, by address or by name")
    func deniedAddressesAreNeverConnected() async throws {
        let service = try LoopbackHTTPServer { _ in 200 }
        defer { service.stop() }
        let policies = [
            EgressPolicy(),                                              // the default deny list
            EgressPolicy(allow: [try Self.cidr("127.0.0.2/32")]),        // allowing a neighbour is not enough
            EgressPolicy(deny: [try Self.cidr("127.0.0.1/32")]),
            EgressPolicy(ownAddresses: [try #require(IPAddress("127.0.0.1"))]),
        ]
        for policy in policies {
            let probe = HTTPVerificationProbe(egress: policy)
            // "localhost" resolves to 127.0.0.1 (or ::1): the resolved address is checked, not the name.
            for url in [service.url, "http://localhost:\(service.port)/verify", "http://[::ffff:127.0.0.1]:\(service.port)/"] {
                let outcome = await probe.check(try Self.request(url))
                guard case .failed(let reason) = outcome else {
                    Issue.record("\(url) under \(policy) was not refused: \(outcome)")
                    continue
                }
                #expect(reason.hasSuffix("is denied by the operator's egress policy"), "\(reason)")
            }
        }
        #expect(service.connectionCount == 0, "no connection reached the denied listener")

        // The allow list wins over the default deny list.
        let allowed = HTTPVerificationProbe(egress: EgressPolicy(allow: [try Self.cidr("127.0.0.1/32")]))
        #expect(await allowed.check(try Self.request(service.url)) == .passed)
        #expect(service.connectionCount == 1)
    }

    @Test("a rotation verifying against a denied address fails with the class only, and keeps its value")
    func deniedRotationFailsClassified() async throws {
        try await Harness.with { h in
            let service = try LoopbackHTTPServer { _ in 200 }
            defer { service.stop() }
            let strict = SecretRotationReconciler(store: h.store, events: h.events, clock: h.clock,
                                                  probe: HTTPVerificationProbe(egress: EgressPolicy()), metrics: h.metrics)
            try await h.create("db", .db(.staged, verifyURL: service.url))
            try await h.reconcile("db", with: strict)
            let before = try await h.data("db")
            h.clock.advance(by: 3600)
            try await h.reconcile("db", with: strict)
            let status = try await h.status("db")
            #expect(status.phase == .failed && status.conditions[type: "Ready"]?.reason == "VerificationFailed")
            #expect(status.lastError?.contains("is denied by the operator's egress policy") == true, "\(status.lastError ?? "")")
            #expect(try await h.data("db") == before)
            #expect(service.connectionCount == 0)
        }
    }

    @Test("outcomes are classified: status code, refused, timed out, TLS failure; never libcurl's text")
    func classifiedOutcomes() async throws {
        let probe = HTTPVerificationProbe(egress: Harness.loopbackEgress)
        let refusing = try LoopbackHTTPServer { _ in 503 }
        defer { refusing.stop() }
        // A port that refuses connections, reserved so no other test's server takes it meanwhile.
        let closed = try ClosedPort()
        let closedPort = closed.port
        defer { withExtendedLifetime(closed) {} }
        var silent: SilentListener? = try SilentListener()
        let silentPort = try #require(silent?.port)
        let plain = try LoopbackHTTPServer { _ in 200 }
        defer { plain.stop() }

        let cases: [(String, TimeInterval, String)] = [
            (refusing.url, 5, "GET \(refusing.url) answered 503, expected 200"),
            ("http://127.0.0.1:\(closedPort)/", 5, "GET http://127.0.0.1:\(closedPort)/ was refused (connection refused or unreachable)"),
            ("http://127.0.0.1:\(silentPort)/", 0.5, "GET http://127.0.0.1:\(silentPort)/ timed out"),
            // TLS spoken to a plain HTTP server (which hangs up after its 5 s read timeout).
            ("https://127.0.0.1:\(plain.port)/", 30, "GET https://127.0.0.1:\(plain.port)/ failed the TLS handshake or certificate verification"),
            ("http://keyward-egress-test.invalid/", 30, "GET http://keyward-egress-test.invalid/ has a host name that does not resolve"),
        ]
        for (url, timeout, expected) in cases {
            let outcome = await probe.check(try Self.request(url, timeout: timeout))
            #expect(outcome == .failed(reason: expected))
            if case .failed(let reason) = outcome {
                for phrase in Self.rawTransportText where reason.dropFirst(url.count + 4).contains(phrase) {
                    Issue.record("raw transport text \"\(phrase)\" in \(reason)")
                }
            }
        }
        silent = nil
    }

    @Test("a compression bomb is neither decompressed nor read past 64 KiB")
    func compressionBomb() async throws {
        // 256 MiB of zeros as a 1 MiB gzip body, sent with Content-Encoding: gzip whatever the client asked.
        let scratch = try TemporaryDirectory()
        let path = scratch.path("bomb.gz")
        let made = try await ExternalTool.run("/bin/sh", ["-c", "head -c 268435456 /dev/zero | gzip -1 > \(path)"])
        #expect(made.status == 0, "\(made)")
        let bomb = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bomb.count > HTTPVerificationProbe.responseBodyLimit)
        let acceptEncoding = Mutex<String?>("unset")
        let service = try LoopbackHTTPServer { request in
            acceptEncoding.withLock { $0 = request.headers["accept-encoding"] }
            return .init(status: 200, headers: [("Content-Encoding", "gzip"), ("Content-Type", "application/json")], body: bomb)
        }
        defer { service.stop() }

        let transport = CurlTransport(tls: TLSSettings())
        defer { transport.shutdown() }
        let response = try await transport.send(HTTPRequest(
            method: .get, url: try #require(URL(string: service.url)), egress: Harness.loopbackEgress,
            discardBodyAfter: HTTPVerificationProbe.responseBodyLimit))
        #expect(response.status == 200 && response.bodyTruncated && response.body.isEmpty)
        #expect(acceptEncoding.withLock { $0 } == nil, "no Accept-Encoding is offered")

        // Through the probe the status is what counts; the body was cut, not inflated.
        let probe = HTTPVerificationProbe(egress: Harness.loopbackEgress)
        #expect(await probe.check(try Self.request(service.url)) == .passed)

        // A body far larger than the kernel's socket buffers: the client hung up long before the server finished.
        let huge = [UInt8](repeating: 0x61, count: 64 * 1024 * 1024)
        let flood = try LoopbackHTTPServer { _ in .init(status: 200, body: huge) }
        defer { flood.stop() }
        #expect(await probe.check(try Self.request(flood.url)) == .passed)
        #expect(await within(10) { flood.bytesWritten > 0 && flood.connectionCount == 1 })
        #expect(flood.bytesWritten < huge.count / 2, "the server wrote \(flood.bytesWritten) bytes")
    }

    @Test("a slow endpoint holds one rotation; another completes while it is pending")
    func slowEndpointDoesNotBlockOthers() async throws {
        try await Harness.with { h in
            var silent: SilentListener? = try SilentListener()
            let slowURL = "http://\(try #require(silent?.address))/verify"
            let fast = try LoopbackHTTPServer { _ in 200 }
            defer { fast.stop() }
            var slowSpec = SecretRotation.Spec.db(.staged, secret: "slow", verifyURL: slowURL)
            slowSpec.verify?.http?.timeout = "60s"
            try await h.create("slow", slowSpec)
            try await h.create("fast", .db(.staged, secret: "fast", verifyURL: fast.url))
            try await h.reconcile("slow")
            try await h.reconcile("fast")
            h.clock.advance(by: 3600)

            let slowDone = Mutex(false)
            let slow = Task {
                defer { slowDone.withLock { $0 = true } }
                return try await h.reconcile("slow")
            }
            let verifying = try await within(30) { try await h.status("slow").phase == .verifying }
            #expect(verifying)
            try await h.settle("fast")
            let fastStatus = try await h.status("fast")
            #expect(fastStatus.phase == .idle && fastStatus.revision == 2)
            #expect(!slowDone.withLock { $0 }, "the slow verification is still pending")

            silent = nil  // the listener closes: its queued connection is reset
            _ = try await slow.value
            let status = try await h.status("slow")
            #expect(status.phase == .failed && status.revision == 1)
            for phrase in Self.rawTransportText {
                #expect(!(status.lastError ?? "").dropFirst("verification failed: GET \(slowURL)".count).contains(phrase))
            }
        }
    }

    @Test("redirects are not followed: the 302 is the answer, its target sees no connection")
    func redirectsAreNotFollowed() async throws {
        let target = try LoopbackHTTPServer { _ in 200 }
        defer { target.stop() }
        let redirecting = try LoopbackHTTPServer { _ in .init(status: 302, headers: [("Location", target.url)]) }
        defer { redirecting.stop() }
        let probe = HTTPVerificationProbe(egress: Harness.loopbackEgress)
        let outcome = await probe.check(try Self.request(redirecting.url))
        #expect(outcome == .failed(reason: "GET \(redirecting.url) answered 302, expected 200"))
        #expect(redirecting.connectionCount == 1 && target.connectionCount == 0)
    }

    @Test("header values with control characters never reach the wire")
    func controlCharactersInHeaders() async throws {
        let service = try LoopbackHTTPServer { _ in 200 }
        defer { service.stop() }
        let probe = HTTPVerificationProbe(egress: Harness.loopbackEgress)
        var request = try Self.request(service.url)
        request.headers = [("X-Token", "abc\r\nX-Injected: 1")]
        let outcome = await probe.check(request)
        #expect(outcome == .failed(reason: "GET \(service.url): header \"X-Token\" contains a control character"))
        #expect(service.connectionCount == 0)
    }
}
