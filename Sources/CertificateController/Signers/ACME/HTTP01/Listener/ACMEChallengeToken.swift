/// RFC 8555 §8.3 token syntax as the challenge listener accepts it: base64url characters only (no padding, no
/// dots, slashes or percent-escapes) and a bounded length, so a request path can never name anything else.
public enum ACMEChallengeToken {
    /// CAs send 43 characters (256 bits); anything past this is not a token.
    public static let maximumLength = 256

    public static func isValid(_ token: some StringProtocol) -> Bool {
        guard !token.isEmpty, token.utf8.count <= maximumLength else { return false }
        return token.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"): true
            default: false
            }
        }
    }
}
