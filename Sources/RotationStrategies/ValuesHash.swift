import Crypto
import Foundation

/// Fingerprints of secret values, safe to persist and show: a candidate's identity in status, and the revision
/// stamp set on consumer pod templates.
public enum ValuesHash {
    /// SHA-256 (lower-case hex) over `values` in key order, each key and value length-prefixed so that no two
    /// different maps share an encoding.
    public static func of(_ values: [String: Data]) -> String {
        var hasher = SHA256()
        for key in values.keys.sorted() {
            let name = Data(key.utf8)
            let value = values[key]!
            hasher.update(data: lengthPrefix(name.count))
            hasher.update(data: name)
            hasher.update(data: lengthPrefix(value.count))
            hasher.update(data: value)
        }
        return hex(hasher.finalize())
    }

    /// The short revision stamp for a pod-template annotation: 16 hex digits of a hash of the values' hash, so
    /// workloads (readable by more people than Secrets) carry neither the values nor their status hash.
    public static func revisionStamp(valuesHash: String) -> String {
        String(hex(SHA256.hash(data: Data(("keyward-revision:" + valuesHash).utf8))).prefix(16))
    }

    private static func lengthPrefix(_ count: Int) -> Data {
        withUnsafeBytes(of: UInt64(count).bigEndian) { Data($0) }
    }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
