import Foundation
import RotationStrategies
import Testing

@Suite("Value hashes")
struct ValuesHashTests {
    @Test("stable, order-independent, and unambiguous across key/value boundaries")
    func hash() {
        let a = ValuesHash.of(["x": Data("1".utf8), "y": Data("2".utf8)])
        #expect(a == ValuesHash.of(["y": Data("2".utf8), "x": Data("1".utf8)]))
        #expect(a.count == 64 && a.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(ValuesHash.of(["ab": Data("c".utf8)]) != ValuesHash.of(["a": Data("bc".utf8)]))
        #expect(ValuesHash.of([:]) != ValuesHash.of(["": Data()]))
        // SHA-256 of the empty input is the well-known constant: the hash really is SHA-256 over the encoding.
        #expect(ValuesHash.of([:]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("revision stamps are 16 hex digits and differ from the value hash")
    func stamp() {
        let h = ValuesHash.of(["x": Data("1".utf8)])
        let s = ValuesHash.revisionStamp(valuesHash: h)
        #expect(s.count == 16 && !h.hasPrefix(s))
        #expect(s == ValuesHash.revisionStamp(valuesHash: h))
    }
}
