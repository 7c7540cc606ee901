import Foundation
@testable import SecretGenerators

/// Reverses ``ValueEncoding/encode(_:)`` independently of it (Foundation's base64 decoder, a hand hex decoder).
func decode(_ data: Data, _ encoding: ValueEncoding) -> [UInt8]? {
    let text = String(decoding: data, as: UTF8.self)
    switch encoding {
    case .raw:
        return Array(data)
    case .base64:
        return Data(base64Encoded: text).map(Array.init)
    case .base64url:
        guard !text.contains(where: { "+/=".contains($0) }) else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        return Data(base64Encoded: standard).map(Array.init)
    case .hex:
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[i..<(i + 2)], as: UTF8.self), radix: 16),
                digits[i..<(i + 2)].allSatisfy({ !(65...70).contains($0) })
            else { return nil }
            out.append(byte)
        }
        return out
    }
}

/// A small seeded generator for choosing *test options* reproducibly (never for secrets).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
