import Crypto
import Foundation
import Notifications
import Testing

@Suite("Notification signature")
struct NotificationSignatureTests {
    let key = try! SigningKey(bytes: Data("0123456789abcdef-test-signing-key\n".utf8))
    let rawKey = Data("0123456789abcdef-test-signing-key".utf8)
    let body = Data(#"{"class":"RenewalSLABreach"}"#.utf8)
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("t=<unix>,v1=<hex HMAC-SHA256 of \"t.body\">, computed independently here; the trailing newline of the key file is not key")
    func headerFormat() throws {
        let header = NotificationSignature.header(body: body, key: key, timestamp: now)
        let expected = HMAC<SHA256>.authenticationCode(for: Data("1800000000.".utf8) + body, using: SymmetricKey(data: rawKey))
        #expect(header == "t=1800000000,v1=" + expected.map { String(format: "%02x", $0) }.joined())
        try NotificationSignature.verify(header: header, body: body, key: key, now: now)
    }

    @Test("receivers reject a stale or future timestamp, another body, another key, and malformed headers")
    func rejections() throws {
        let header = NotificationSignature.header(body: body, key: key, timestamp: now)
        #expect(throws: NotificationSignature.Failure.staleTimestamp(skewSeconds: 301)) {
            try NotificationSignature.verify(header: header, body: body, key: key, now: now.addingTimeInterval(301))
        }
        #expect(throws: NotificationSignature.Failure.staleTimestamp(skewSeconds: -301)) {
            try NotificationSignature.verify(header: header, body: body, key: key, now: now.addingTimeInterval(-301))
        }
        #expect(throws: NotificationSignature.Failure.mismatch) {
            try NotificationSignature.verify(header: header, body: body + Data(" ".utf8), key: key, now: now)
        }
        let other = try SigningKey(bytes: Data("another-key-of-enough-bytes".utf8))
        #expect(throws: NotificationSignature.Failure.mismatch) {
            try NotificationSignature.verify(header: header, body: body, key: other, now: now)
        }
        for bad in ["", "t=1800000000", "v1=00", "t=x,v1=00"] {
            #expect(throws: NotificationSignature.Failure.malformed, "\(bad)") {
                try NotificationSignature.verify(header: bad, body: body, key: key, now: now)
            }
        }
        #expect(throws: NotificationSignature.Failure.staleTimestamp(skewSeconds: .max)) {
            try NotificationSignature.verify(header: "t=-9223372036854775808,v1=00", body: body, key: key, now: now)
        }
    }

    @Test("a short key is refused naming the file; a key's description never shows it")
    func keyHandling() throws {
        #expect(throws: NotificationError.signingKey(path: "/k", reason: "holds fewer than 16 bytes")) {
            try SigningKey(bytes: Data("short\n".utf8), origin: "/k")
        }
        #expect(!"\(key)".contains("0123456789abcdef") && !String(reflecting: key).contains("0123456789abcdef"))
    }
}
