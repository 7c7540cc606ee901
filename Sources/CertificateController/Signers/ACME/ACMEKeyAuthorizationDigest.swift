import Crypto
import Foundation

/// RFC 8555 §8.4: the DNS-01 TXT value is the base64url (unpadded) SHA-256 of the key authorization.
public enum ACMEKeyAuthorizationDigest {
    public static func base64URLSHA256(_ keyAuthorization: String) -> String {
        Data(SHA256.hash(data: Data(keyAuthorization.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
