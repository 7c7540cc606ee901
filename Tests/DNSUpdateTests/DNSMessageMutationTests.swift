import DNSUpdate
import Foundation
import KeywardTestSupport
import Testing

/// A deterministic in-process fuzz pass over the decoder (the libFuzzer target `keyward-fuzz dns` goes further):
/// the seed corpus mutated by flips, truncations, insertions and pointer splices must decode to a message or a
/// ``DNSWireError`` — never a trap or a hang — and what decodes must survive re-encoding.
@Suite struct DNSMessageMutationTests {
    static func seeds() throws -> [[UInt8]] {
        let folder = ExternalTool.repositoryRoot.appendingPathComponent("fuzz/corpus/dns")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map {
            [UInt8](try Data(contentsOf: folder.appendingPathComponent($0)))
        }
    }

    @Test func mutatedMessagesDecodeOrFailWithATypedError() throws {
        let seeds = try Self.seeds()
        #expect(seeds.count >= 5)
        // Every seed but the pointer loop decodes as it is.
        #expect(seeds.filter { (try? DNSMessage(decoding: $0)) != nil }.count == seeds.count - 1)
        var random = SplitMix64(seed: 0x6B65_7977_6172_6421)
        var decoded = 0, refused = 0
        for _ in 0..<40_000 {
            var bytes = seeds[Int.random(in: 0..<seeds.count, using: &random)]
            for _ in 0..<Int.random(in: 1...4, using: &random) where !bytes.isEmpty {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<5, using: &random) {
                case 0: bytes[at] ^= UInt8.random(in: 1...255, using: &random)
                case 1: bytes.removeSubrange(at...)
                case 2: bytes.insert(UInt8.random(in: 0...255, using: &random), at: at)
                case 3: bytes[at] = [0xC0, 0x3F, 0x00, 0xFF][Int.random(in: 0..<4, using: &random)]
                default:
                    // A compression pointer to a random offset, the classic way into loops.
                    let target = UInt16.random(in: 0..<UInt16(min(bytes.count + 16, 0x3FFF)), using: &random)
                    bytes.replaceSubrange(at..<min(at + 2, bytes.count), with: [0xC0 | UInt8(target >> 8), UInt8(target & 0xFF)])
                }
            }
            do {
                let message = try DNSMessage(decoding: bytes)
                decoded += 1
                if let again = try? DNSMessage(decoding: message.encoded()) {
                    #expect(again.questions == message.questions && again.answers == message.answers
                            && again.authorities == message.authorities)
                }
            } catch {
                refused += 1
            }
        }
        // Both outcomes were exercised.
        #expect(decoded > 1000 && refused > 1000, "decoded \(decoded), refused \(refused)")
    }
}
