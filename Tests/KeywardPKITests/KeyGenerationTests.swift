import Crypto
import Foundation
@testable import KeywardPKI
import KeywardTestSupport
import Testing

/// NIST-curve keys come from a scalar drawn from the system RNG and redrawn until BoringSSL accepts it: that is
/// rejection sampling over [1, n−1] only if BoringSSL refuses exactly 0 and everything from the group order up.
@Suite struct KeyGenerationTests {
    static let p256Order = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"
    static let p384Order = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973"

    static func bytes(_ hex: String) -> [UInt8] {
        stride(from: 0, to: hex.count, by: 2).map { offset in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
        }
    }

    /// The order minus one, and the order itself, as big-endian bytes.
    static func belowAndAt(_ orderHex: String) -> (below: [UInt8], at: [UInt8]) {
        let order = bytes(orderHex)
        var below = order
        below[below.count - 1] -= 1  // both orders end in an odd byte: no borrow
        return (below, order)
    }

    @Test func boringSSLAcceptsExactlyTheScalarsFromOneToBelowTheOrder() {
        let p256 = Self.belowAndAt(Self.p256Order)
        #expect((try? P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0, count: 32))) == nil)
        #expect((try? P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0, count: 31) + [1])) != nil)
        #expect((try? P256.Signing.PrivateKey(rawRepresentation: p256.below)) != nil)
        #expect((try? P256.Signing.PrivateKey(rawRepresentation: p256.at)) == nil)
        #expect((try? P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0xFF, count: 32))) == nil)

        let p384 = Self.belowAndAt(Self.p384Order)
        #expect((try? P384.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0, count: 48))) == nil)
        #expect((try? P384.Signing.PrivateKey(rawRepresentation: p384.below)) != nil)
        #expect((try? P384.Signing.PrivateKey(rawRepresentation: p384.at)) == nil)
        #expect((try? P384.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0xFF, count: 48))) == nil)
    }

    @Test func aRefusedDrawIsDrawnAgainAndEightRefusalsGiveNothing() {
        var draws = 0
        let second: Int? = PrivateKey.randomScalarKey(byteCount: 32) { scalar in
            draws += 1
            #expect(scalar.count == 32)
            if draws == 1 { throw CancellationError() }
            return draws
        }
        #expect(second == 2)
        let never: Int? = PrivateKey.randomScalarKey(byteCount: 32) { _ in throw CancellationError() }
        #expect(never == nil)
    }

    @Test(arguments: [KeyAlgorithm.ecdsaP256, .ecdsaP384])
    func generatedKeysAreDistinctAndOpenSSLChecksThem(algorithm: KeyAlgorithm) async throws {
        let keys = try (0..<200).map { _ in try PrivateKey.generate(algorithm) }
        #expect(Set(keys.map { $0.pemEncoded() }).count == keys.count)
        let dir = try TemporaryDirectory()
        for (index, key) in keys.prefix(3).enumerated() {
            let path = try dir.write("key-\(index).pem", key.pemEncoded())
            let check = try await ExternalTool.openssl("pkey", "-in", path, "-check", "-noout")
            #expect(check.status == 0 && check.stdout.contains("Key is valid"), "\(check)")
        }
    }
}
