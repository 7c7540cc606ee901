import KeywardCore
import Testing

@Suite struct HexTests {
    @Test func encodesLowercaseAndDecodesEitherCase() {
        #expect(Hex.encode([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        #expect(Hex.decode("000FA5ff") == [0x00, 0x0f, 0xa5, 0xff])
        #expect(Hex.decode("") == [])
    }

    @Test func refusesOddLengthNonHexAndOverlongInput() {
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode(String(repeating: "a", count: 130), maxLength: 128) == nil)
        #expect(Hex.decode(String(repeating: "a", count: 128), maxLength: 128)?.count == 64)
    }
}
