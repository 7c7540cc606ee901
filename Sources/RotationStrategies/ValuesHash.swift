import Crypto
import Foundation

/// Fingerprints of secret values: a candidate's identity in status, and the revision stamp set on consumer pod
/// templates. The operator persists keyed ones (``ValuesHasher``); plain SHA-256 is what hashes written before keys
/// existed hold, and what tests compare with.
public enum ValuesHash {
    /// Plain SHA-256 (lower-case hex) over `values` in key order, each key and value length-prefixed so that no two
    /// different maps share an encoding.
    public static func of(_ values: [String: Data]) -> String {
        var hasher = SHA256()
        encode(values) { hasher.update(data: $0) }
        return hex(hasher.finalize())
    }

    /// The unambiguous encoding both hashes run over, fed in pieces.
    static func encode(_ values: [String: Data], into feed: (Data) -> Void) {
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            let name = Data(key.utf8)
            feed(lengthPrefix(name.count))
            feed(name)
            feed(lengthPrefix(value.count))
            feed(value)
        }
    }

    /// The short revision stamp for a pod-template annotation: 16 hex digits of a hash of the values' hash, so
    /// workloads (readable by more people than Secrets) carry neither the values nor their status hash.
    public static func revisionStamp(valuesHash: String) -> String {
        String(hex(SHA256.hash(data: Data(("keyward-revision:" + valuesHash).utf8))).prefix(16))
    }

    private static func lengthPrefix(_ count: Int) -> Data {
        withUnsafeBytes(of: UInt64(count).bigEndian) { Data($0) }
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
