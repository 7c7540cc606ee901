import Crypto
import Foundation
import KeywardCore

/// The `Keyward-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as Stripe-style
/// webhooks do. The timestamp is inside the MAC, so a receiver that rejects old timestamps also rejects replays.
public enum NotificationSignature {
    public static let headerName = "Keyward-Signature"
    /// How far a receiver should let the timestamp be from its own clock (what ``verify`` defaults to).
    public static let defaultTolerance: TimeInterval = 300

    public static func header(body: Data, key: SigningKey, timestamp: Date) -> String {
        let t = Int64(timestamp.timeIntervalSince1970.rounded(.down))
        return "t=\(t),v1=\(hex(mac(body: body, key: key, t: t)))"
    }

    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        case malformed
        case staleTimestamp(skewSeconds: Int64)
        case mismatch

        public var description: String {
            switch self {
            case .malformed: "the signature header is not t=<unix>,v1=<hex>"
            case .staleTimestamp(let skew): "the timestamp is \(skew) s away from now"
            case .mismatch: "no v1 signature matches the body"
            }
        }
    }

    /// What a receiver does: the timestamp within `tolerance` of `now`, and one `v1` matching (compared in
    /// constant time). Several `v1` entries are allowed (a key being rotated).
    public static func verify(header: String, body: Data, key: SigningKey, now: Date,
                              tolerance: TimeInterval = defaultTolerance) throws(Failure) {
        var t: Int64?
        var signatures: [Data] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { throw .malformed }
            switch pair[0] {
            case "t": t = Int64(pair[1])
            case "v1": if let bytes = unhex(pair[1]) { signatures.append(bytes) }
            default: continue
            }
        }
        guard let t, !signatures.isEmpty else { throw .malformed }
        let skew = Int64(now.timeIntervalSince1970.rounded(.down)).subtractingReportingOverflow(t)
        guard !skew.overflow, skew.partialValue.magnitude <= UInt64(max(0, tolerance)) else {
            throw .staleTimestamp(skewSeconds: skew.overflow ? .max : skew.partialValue)
        }
        let message = signed(body, t)
        let matches = signatures.contains {
            HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: message, using: key.symmetricKey)
        }
        if !matches { throw .mismatch }
    }

    private static func signed(_ body: Data, _ t: Int64) -> Data { Data("\(t).".utf8) + body }

    private static func mac(body: Data, key: SigningKey, t: Int64) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: signed(body, t), using: key.symmetricKey))
    }

    static func hex(_ data: Data) -> String { Hex.encode(data) }

    /// A `v1=` value: at most 128 hex digits (64 bytes; an HMAC-SHA256 is 32) are decoded.
    static func unhex(_ text: String) -> Data? { Hex.decode(text, maxLength: 128).map { Data($0) } }
}
