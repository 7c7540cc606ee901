import Crypto
import Foundation

/// A notification that exhausted its attempts at one target, kept (bounded) until `keyward notify replay` delivers it.
///
/// The target is kept redacted (``Target``): the state lives in a ConfigMap, and a webhook URL may carry a token in
/// its user information or query. Replay sends only to a target configured now whose redacted form matches, so
/// whoever may edit that ConfigMap can neither read a token there nor have signed payloads sent elsewhere.
public struct DeadLetter: Sendable, Hashable, Codable {
    /// A target as logs show it: its kind and its URL without user information, query or fragment.
    public struct Target: Sendable, Hashable, Codable, CustomStringConvertible {
        public var kind: NotificationTarget.Kind
        public var url: String
        /// HMAC-SHA256 of the whole URL with the signing key (hex), when there is one: two webhooks that differ
        /// only in their token redact alike and are told apart by this, which reveals nothing of the token.
        public var fingerprint: String?

        public init(_ target: NotificationTarget, signingKey: SigningKey? = nil) {
            kind = target.kind
            url = target.description
            fingerprint = signingKey.map { Self.fingerprint(target, $0) }
        }

        static func fingerprint(_ target: NotificationTarget, _ key: SigningKey) -> String {
            Data(HMAC<SHA256>.authenticationCode(for: Data(target.url.absoluteString.utf8), using: key.symmetricKey))
                .map { String(format: "%02x", $0) }.joined()
        }

        private enum CodingKeys: String, CodingKey { case kind, url, fingerprint }

        /// Letters written before targets were redacted held the whole URL: it is redacted as it is read.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            kind = try c.decode(NotificationTarget.Kind.self, forKey: .kind)
            url = NotificationTarget.redacted(try c.decode(String.self, forKey: .url))
            fingerprint = try c.decodeIfPresent(String.self, forKey: .fingerprint)
        }

        /// Whether `target` is the one this names (by fingerprint when the letter has one and the key is given).
        public func names(_ target: NotificationTarget, signingKey: SigningKey?) -> Bool {
            guard kind == target.kind, url == target.description else { return false }
            guard let fingerprint, let signingKey else { return true }
            return fingerprint == Self.fingerprint(target, signingKey)
        }

        public var description: String { url }
    }

    public var target: Target
    public var payload: NotificationPayload
    public var attempts: Int
    /// A class of failure (`HTTP 503`, `connection failed`, `egress denied`), never a response body.
    public var lastError: String
    public var failedAt: Date

    public init(target: NotificationTarget, payload: NotificationPayload, attempts: Int, lastError: String, failedAt: Date,
                signingKey: SigningKey? = nil) {
        self.target = Target(target, signingKey: signingKey)
        self.payload = payload
        self.attempts = attempts
        self.lastError = lastError
        self.failedAt = failedAt
    }
}
