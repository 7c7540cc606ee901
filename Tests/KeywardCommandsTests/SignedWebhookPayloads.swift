import Foundation
import KeywardTestSupport
import Notifications
import Testing

/// What a receiver does with each request it got: verifies `Keyward-Signature` (HMAC over "t.body", the timestamp
/// within five minutes of its own clock) and decodes the payload. NotificationsTests checks the same bytes with an
/// HMAC computed independently.
func verifiedPayloads(_ requests: [WebhookReceiver.Request], rawKey: Data) throws -> [NotificationPayload] {
    let key = try SigningKey(bytes: rawKey)
    return try requests.map { request in
        let header = try #require(request.headers["keyward-signature"])
        try NotificationSignature.verify(header: header, body: request.body, key: key, now: Date())
        return try NotificationPayload.decode(request.body)
    }
}
