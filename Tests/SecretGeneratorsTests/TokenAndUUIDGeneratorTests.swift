import Foundation
import Testing
@testable import SecretGenerators

@Suite struct TokenGeneratorTests {
    @Test(arguments: [ValueEncoding.base64, .base64url, .hex], [1, 2, 3, 16, 32, 33, 64])
    func tokensCarryExactlyTheRequestedBytes(encoding: ValueEncoding, byteCount: Int) throws {
        let token = try TokenGenerator(byteCount: byteCount, encoding: encoding).token()
        #expect(decode(token.data, encoding)?.count == byteCount)
        #expect(token.data.count == encoding.encodedLength(of: byteCount))
        let alphabet: String =
            switch encoding {
            case .base64: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
            case .base64url: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            default: "0123456789abcdef"
            }
        let foreign = token.data.filter { !alphabet.utf8.contains($0) }.count
        #expect(foreign == 0)
    }

    @Test func defaultIs32BytesBase64URLUnderTheTokenKey() throws {
        let generator = TokenGenerator()
        #expect(generator.byteCount == 32 && generator.encoding == .base64url)
        let secret = try generator.generate()
        #expect(secret.keys == ["token"])
        #expect(secret["token"]?.data.count == 43)
    }

    @Test func twoThousandTokensAreDistinct() throws {
        let generator = TokenGenerator(byteCount: 16, encoding: .hex)
        var seen = Set<GeneratedValue>()
        for _ in 0..<2000 { seen.insert(try generator.token()) }
        #expect(seen.count == 2000)
    }

    @Test(arguments: [
        (TokenGenerator(byteCount: 0), "byteCount"),
        (TokenGenerator(byteCount: 5000), "byteCount"),
        (TokenGenerator(encoding: .raw), "encoding"),
    ])
    func invalidOptionsNameTheField(generator: TokenGenerator, field: String) {
        let error = #expect(throws: GeneratorError.self) { try generator.generate() }
        #expect(error?.field == field)
    }

    @Test func encodingsMatchRFC4648Vectors() {
        let bytes = Array("foob".utf8) + [0xfb, 0xff]
        #expect(String(decoding: ValueEncoding.base64.encode(bytes), as: UTF8.self) == "Zm9vYvv/")
        #expect(String(decoding: ValueEncoding.base64url.encode(bytes), as: UTF8.self) == "Zm9vYvv_")
        #expect(String(decoding: ValueEncoding.base64url.encode(Array("f".utf8)), as: UTF8.self) == "Zg")
        #expect(String(decoding: ValueEncoding.base64.encode(Array("f".utf8)), as: UTF8.self) == "Zg==")
        #expect(String(decoding: ValueEncoding.hex.encode(bytes), as: UTF8.self) == "666f6f62fbff")
        for count in 0..<10 {
            for encoding in ValueEncoding.allCases {
                #expect(encoding.encode([UInt8](repeating: 7, count: count)).count == encoding.encodedLength(of: count))
            }
        }
    }
}

@Suite struct UUIDGeneratorTests {
    @Test func uuidsAreLowercaseVersion4AndDistinct() throws {
        let generator = UUIDGenerator()
        var seen = Set<String>()
        var malformed = 0
        for _ in 0..<2000 {
            let text = try #require(try generator.generate()["uuid"]).string
            let characters = Array(text)
            let wellFormed =
                characters.count == 36
                && [8, 13, 18, 23].allSatisfy { characters[$0] == "-" }
                && characters.enumerated().allSatisfy {
                    [8, 13, 18, 23].contains($0.offset) || "0123456789abcdef".contains($0.element)
                }
                && characters[14] == "4"
                && "89ab".contains(characters[19])
                && UUID(uuidString: text) != nil
            if !wellFormed { malformed += 1 }
            seen.insert(text)
        }
        #expect(malformed == 0)
        #expect(seen.count == 2000)
    }
}
