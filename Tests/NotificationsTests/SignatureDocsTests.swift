import Foundation
import KeywardCore
import KeywardTestSupport
import Notifications
import Testing

/// docs/observability.md shows how a receiver verifies a notification in shell (openssl) and Python: both snippets,
/// taken from the page as written, accept what the notifier really sent and refuse a tampered body.
@Suite("Signature verification snippets in docs/observability.md")
struct SignatureDocsTests {
    static let rawKey = "docs-snippet-signing-key-0123456789"

    /// The first fenced block of `language` after `heading` in docs/observability.md.
    private func snippet(_ language: String, after heading: String) throws -> String {
        let page = try String(contentsOf: ExternalTool.repositoryRoot.appendingPathComponent("docs/observability.md"), encoding: .utf8)
        let section = try #require(page.range(of: heading).map { page[$0.upperBound...] })
        let start = try #require(section.range(of: "```\(language)\n"))
        let end = try #require(section[start.upperBound...].range(of: "\n```"))
        return String(section[start.upperBound..<end.lowerBound])
    }

    @Test("the shell and Python snippets accept a real notification and refuse a tampered one")
    func snippetsVerify() async throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let directory = try TemporaryDirectory(prefix: "keyward-notify-docs")
        var configuration = Notifier.Configuration()
        configuration.webhooks = [try NotificationTarget(kind: .webhook, parsing: receiver.url)]
        configuration.signingKey = try SigningKey(bytes: Data((Self.rawKey + "\n").utf8))
        configuration.egress = EgressPolicy(allow: [try CIDR(parsing: "127.0.0.0/8")])
        let notifier = Notifier(configuration: configuration, store: FileNotificationStateStore(stateDirectory: directory.path("state")),
                                transport: CurlNotificationTransport())
        try await notifier.observe(NotificationObject(kind: "Certificate", namespace: "shop", name: "web"),
                                   active: [.revoked: "serial 01 revoked"], classes: [.revoked])
        let request = try #require(receiver.received.first)
        let header = try #require(request.headers["keyward-signature"])
        _ = try directory.write("notify.key", Self.rawKey + "\n")
        let body = directory.path("body.json")
        try request.body.write(to: URL(fileURLWithPath: body))
        let tampered = directory.path("tampered.json")
        try (request.body + Data(" ".utf8)).write(to: URL(fileURLWithPath: tampered))

        let shell = try snippet("sh", after: "### Verifying the signature")
        let script = try directory.write("verify.sh", "set -u\ncd \(directory.url.path)\nSIG='\(header)'\n"
            + shell.replacingOccurrences(of: "body.json", with: "\"$BODY\""))
        for (file, expected) in [(body, "valid"), (tampered, "invalid")] {
            let output = try await ExternalTool.run("/usr/bin/env", ["BODY=\(file)", "bash", script], timeout: 60)
            #expect(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == expected, "\(output)")
        }

        let python = try snippet("python", after: "### Verifying the signature")
        let pythonScript = try directory.write("verify.py", python + """

            import sys
            print(verify(sys.argv[1], open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read().rstrip(b"\\n")))

            """)
        for (file, expected) in [(body, "True"), (tampered, "False")] {
            let output = try await ExternalTool.run("/usr/bin/env", ["python3", pythonScript, header, file, directory.path("notify.key")],
                                                    timeout: 60)
            #expect(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == expected, "\(output)")
        }
    }
}
