@testable import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KubernetesClient
import KubernetesResources
import Testing

/// The scrubber against real keys of every algorithm and encoding Keyward writes, in every shape an error message
/// could carry them, and status messages scrubbed by both stores whoever built them.
@Suite("Secret scrubber coverage")
struct ScrubberCoverageTests {
    /// Every private key form Keyward stores: each algorithm, PKCS#1/SEC1 and PKCS#8.
    static func keyDERs() throws -> [(name: String, der: Data)] {
        var out: [(String, Data)] = []
        for algorithm in [KeyAlgorithm.ecdsaP256, .ecdsaP384, .rsa2048, .ed25519] {
            let key = try PrivateKey.generate(algorithm)
            for encoding in [PrivateKeyEncoding.pkcs1, .pkcs8] {
                let body = key.pemEncoded(encoding: encoding).split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
                out.append(("\(algorithm) \(encoding)", try #require(Data(base64Encoded: body))))
            }
        }
        return out
    }

    /// Shapes a message could hold the DER in.
    static func shapes(_ der: Data) -> [(name: String, text: String)] {
        let wrapped64 = der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        let wrapped76 = der.base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let pem = "-----BEGIN PRIVATE KEY-----\n\(wrapped64)\n-----END PRIVATE KEY-----\n"
        let hex = der.map { String(format: "%02x", $0) }.joined()
        return [
            ("base64 one line", der.base64EncodedString()),
            ("base64 wrapped at 64", wrapped64),
            ("base64 wrapped at 76 with CRLF", wrapped76),
            ("base64 wrapped, indented as in YAML", wrapped64.split(separator: "\n").joined(separator: "\n    ")),
            ("base64 wrapped, JSON-escaped newlines", wrapped64.split(separator: "\n").joined(separator: "\\n")),
            ("base64 URL alphabet", der.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_")),
            ("base64 after key=", "key=" + der.base64EncodedString()),
            ("base64 of PEM (Secret data)", Data(pem.utf8).base64EncodedString()),
            ("base64 of PEM, wrapped", Data(pem.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])),
            ("hex", hex),
            ("hex with colons", der.map { String(format: "%02X", $0) }.joined(separator: ":")),
            ("hex wrapped", stride(from: 0, to: hex.count, by: 64).map { start in
                let from = hex.index(hex.startIndex, offsetBy: start)
                return String(hex[from..<(hex.index(from, offsetBy: 64, limitedBy: hex.endIndex) ?? hex.endIndex)])
            }.joined(separator: "\n")),
            ("byte list", "\(Array(der))"),
            ("truncated byte list", String("\(Array(der))".prefix(60))),
            ("truncated base64", String(der.base64EncodedString().prefix(40))),
        ]
    }

    @Test("no key, in any shape, survives the scrubber; the words around it do")
    func everyShapeIsScrubbed() throws {
        for (keyName, der) in try Self.keyDERs() {
            let secretBytes = Array(der.suffix(24))  // the key's private part sits towards the end
            for (shapeName, body) in Self.shapes(der) {
                let message = "cannot use key in Secret prod/web:\n\(body)\n(retrying)"
                let scrubbed = SecretScrubber.scrub(message)
                #expect(scrubbed.hasPrefix("cannot use key in Secret prod/web:"), "\(keyName), \(shapeName): \(scrubbed)")
                #expect(scrubbed.hasSuffix("(retrying)"), "\(keyName), \(shapeName)")
                #expect(scrubbed.contains("[redacted"), "\(keyName), \(shapeName): not redacted")
                let tail = Data(secretBytes)
                for leak in [tail.base64EncodedString().prefix(16), tail.map { String(format: "%02x", $0) }.joined().prefix(16)] {
                    #expect(!scrubbed.contains(leak), "\(keyName), \(shapeName): \(leak) survived")
                }
                // Exactly the key went: the words around it plus one marker (and a "key=" before it) remain.
                #expect(scrubbed.count <= message.count - body.count + 34, "\(keyName), \(shapeName): \(scrubbed)")
            }
        }
    }

    @Test("certificates, fingerprints, serials and prose pass unchanged")
    func publicTextIsKept() throws {
        let texts = [
            "issued serial 4F2A9C0D11 valid until 2027-01-01T00:00:00Z (revision 3): spec changed",
            "fingerprint 3F:1C:2A:00:01:02:03:04:05:06:07:08:09:0A:0B:0C, next renewal at 2027-01-01T00:00:00Z",
            "Secret web-tls exists and was not created by this Certificate; annotate it keyward.dev/allow-adoption",
            "consumers Deployment/api, StatefulSet/db did not roll out within 300s\nretrying with backoff later today",
            "status 503 from https://example.com/health/check/endpoint/for/the/service/abcdefghijklmnop",
            "bytes [48, 12, 6, 3, 85, 29, 19] are an extension, not a key",
        ]
        for text in texts { #expect(SecretScrubber.scrub(text) == text) }
        // A certificate's DER is public and recognisably not a key.
        let key = try PrivateKey.generate(.ecdsaP256)
        let issued = try Issuer.selfSigned.issue(template: CertificateTemplate(commonName: "public", isCA: true),
                                                 subjectKey: key, now: Date())
        let der = try #require(Data(base64Encoded: issued.certificatePEM.split(separator: "\n")
            .filter { !$0.hasPrefix("-----") }.joined()))
        let encoded = der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        #expect(SecretScrubber.scrub(encoded) == encoded)
    }

    @Test("every status message is scrubbed by the store that writes it", arguments: Backend.allCases)
    func statusMessagesAreScrubbed(_ backend: Backend) async throws {
        try await Harness.with(backend) { h in
            let der = try #require(try Self.keyDERs().first).der
            let leak = der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            var certificate = try await h.create("web", .leaf())
            certificate.status = Certificate.Status(
                conditions: [Condition(type: "Ready", status: .false, reason: "IssuanceFailed", message: "bad key:\n\(leak)\nend",
                                        lastTransitionTime: h.clock.now)],
                lastError: "bad key \(Array(der))")
            _ = try await h.store.updateStatus(certificate)
            let stored = try #require(try await h.certificate("web").status)
            let message = try #require(stored.conditions.first?.message)
            #expect(message.hasPrefix("bad key:\n") && message.hasSuffix("\nend") && message.contains("[redacted"), "\(message)")
            #expect(!message.contains(String(leak.split(separator: "\n")[1])))
            #expect(stored.lastError == "bad key [redacted private key DER]")
        }
    }
}
