import KeywardCore
import Testing

@Suite struct OutOfLineTests {
    struct Big: Hashable, Sendable {
        var a = "", b = "", c = "", d = "", e = ""
    }

    struct Holder: Hashable, Sendable {
        @OutOfLine var big: Big?
    }

    @Test func aNilValueCostsOnePointerInline() {
        #expect(MemoryLayout<Big?>.size >= 80)
        #expect(MemoryLayout<Holder>.size == MemoryLayout<UnsafeRawPointer>.size)
    }

    @Test func readsWritesComparesAndHashesByValue() {
        var first = Holder(big: nil)
        #expect(first.big == nil)
        first.big = Big(a: "x")
        first.big?.b = "y"  // a write through the optional: the box is replaced, never shared state mutated
        let copy = first
        first.big?.c = "z"
        #expect(copy.big == Big(a: "x", b: "y"))
        #expect(first.big == Big(a: "x", b: "y", c: "z"))
        #expect(Holder(big: Big(a: "x", b: "y")) == copy)
        #expect(Set([copy, Holder(big: Big(a: "x", b: "y"))]).count == 1)
        #expect(Holder(big: nil) != copy)
    }
}
