import Crypto
import Foundation

/// What a challenge solver publishes (RFC 8555 §8.1, §8.3, §8.4). Key authorizations are public by design.
public enum ACMEKeyAuthorization {
    /// `token.thumbprint`: the body of the HTTP-01 response at `/.well-known/acme-challenge/<token>`.
    public static func keyAuthorization(token: String, accountKey: ACMEAccountKey) -> String {
        "\(token).\(accountKey.jwkThumbprint)"
    }

    /// The TXT record value at `_acme-challenge.<domain>` for DNS-01: base64url(SHA-256(key authorization)).
    public static func dns01TXTValue(token: String, accountKey: ACMEAccountKey) -> String {
        Base64URL.encode(SHA256.hash(data: Data(keyAuthorization(token: token, accountKey: accountKey).utf8)))
    }

    /// The path HTTP-01 is validated on.
    public static func http01Path(token: String) -> String { "/.well-known/acme-challenge/\(token)" }
}
