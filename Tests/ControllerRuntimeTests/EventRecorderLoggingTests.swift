import ControllerRuntime
import Foundation
import KeywardCore
import KubernetesClient
import KubernetesResources
import Logging
import Synchronization
import Testing

/// The log side of "logs and events": both `--log-format`s, resource metadata, and scrubbing.
@Suite("KeywardLogHandler")
struct EventRecorderLoggingTests {
    final class Captured: Sendable {
        private let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        func append(_ line: String) { lines.withLock { $0.append(line) } }
    }

    private func logger(_ format: LogFormat, _ captured: Captured, level: Logger.Level = .info) -> Logger {
        let output = LogOutput { line in captured.append(line) }
        return Logger(label: "keyward.test") { label in
            KeywardLogHandler(label: label, format: format, level: level, output: output,
                              clock: ManualClock(now: Date(timeIntervalSince1970: 1_800_000_000.25)))
        }
    }

    private func fakePEM() -> String {
        let body = Data((0..<64).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        return "-----BEGIN EC PRIVATE KEY-----\n\(body)\n-----END EC PRIVATE KEY-----"
    }

    @Test func jsonLinesCarryLevelMessageAndResourceMetadata() throws {
        let captured = Captured()
        var secret = Secret(metadata: ObjectMeta(name: "web-tls", namespace: "prod"))
        secret.metadata.uid = "u1"
        let log = logger(.json, captured).about(secret)
        log.info("wrote secret", metadata: ["revision": "3", "msg": "collides"])
        log.debug("not at info level")

        let lines = captured.all
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(line.hasSuffix("\n"))
        #expect(line.dropLast().contains("\n") == false)
        let object = try JSONValue.parse(Data(line.utf8))
        #expect(object["ts"]?.stringValue == "2027-01-15T08:00:00.250Z")
        #expect(object["level"]?.stringValue == "info")
        #expect(object["logger"]?.stringValue == "keyward.test")
        #expect(object["msg"]?.stringValue == "wrote secret")
        #expect(object["kind"]?.stringValue == "Secret")
        #expect(object["namespace"]?.stringValue == "prod")
        #expect(object["name"]?.stringValue == "web-tls")
        #expect(object["revision"]?.stringValue == "3")
        #expect(object["_msg"]?.stringValue == "collides")
    }

    @Test func keyMaterialIsScrubbedFromMessagesAndMetadata() throws {
        let captured = Captured()
        let log = logger(.json, captured)
        let pem = fakePEM()
        log.error("cannot parse \(pem)", metadata: ["value": "\(pem)", "nested": ["inner": "\(pem)"]])
        logger(.text, captured).warning("text too: \(pem)")

        let joined = captured.all.joined()
        #expect(!joined.contains("BEGIN EC PRIVATE KEY"))
        #expect(!joined.contains(pem.split(separator: "\n")[1]))
        let object = try JSONValue.parse(Data(captured.all[0].utf8))
        #expect(object["msg"]?.stringValue == "cannot parse [redacted EC PRIVATE KEY]")
        #expect(object["value"]?.stringValue == "[redacted EC PRIVATE KEY]")
        #expect(object[path: ["nested", "inner"]]?.stringValue == "[redacted EC PRIVATE KEY]")
    }

    @Test func textLinesAreKeyValueWithQuotingWhereNeeded() throws {
        let captured = Captured()
        logger(.text, captured).about(kind: "Certificate", namespace: "prod", name: "web")
            .warning("renewal failed", metadata: ["reason": "IssuerNotReady", "detail": "issuer \"ca\" not ready"])
        #expect(captured.all == [
            "2027-01-15T08:00:00.250Z WARNING keyward.test: renewal failed detail=\"issuer \\\"ca\\\" not ready\" "
                + "kind=Certificate name=web namespace=prod reason=IssuerNotReady\n",
        ])
    }
}
