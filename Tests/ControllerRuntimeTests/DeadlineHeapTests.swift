import ControllerRuntime
import Foundation
import KeywardTestSupport
import Testing

@Suite struct DeadlineHeapTests {
    @Test func popsDueKeysSoonestFirstWithReplacedAndRemovedDeadlinesSkipped() {
        var heap = DeadlineHeap<String>()
        let t0 = Date(timeIntervalSince1970: 1_000)
        heap.set("late", t0.addingTimeInterval(30))
        heap.set("soon", t0.addingTimeInterval(10))
        heap.set("moved", t0.addingTimeInterval(5))
        heap.set("moved", t0.addingTimeInterval(20))  // replaced: the 5 s entry is stale
        heap.set("gone", t0.addingTimeInterval(1))
        heap.remove("gone")
        #expect(heap.count == 3)
        #expect(heap.soonest() == t0.addingTimeInterval(10))
        #expect(heap.popDue(now: t0.addingTimeInterval(25)) == ["soon", "moved"])
        #expect(heap["late"] == t0.addingTimeInterval(30))
        #expect(heap.popDue(now: t0.addingTimeInterval(29)) == [])
        #expect(heap.popDue(now: t0.addingTimeInterval(30)) == ["late"])
        #expect(heap.soonest() == nil)
    }

    /// The same random operations on the heap and on a plain dictionary (the obvious model) agree, and stale entries
    /// never make the heap much larger than its live keys.
    @Test func agreesWithADictionaryModelAndStaysBounded() {
        var generator = SplitMix64(seed: 42)
        var heap = DeadlineHeap<Int>()
        var model: [Int: Date] = [:]
        var now = Date(timeIntervalSince1970: 0)
        for _ in 0..<20_000 {
            let key = Int.random(in: 0..<500, using: &generator)
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<6:
                let deadline = now.addingTimeInterval(Double.random(in: 0..<100, using: &generator).rounded())
                heap.set(key, deadline)
                model[key] = deadline
            case 6..<8:
                heap.remove(key)
                model[key] = nil
            default:
                now = now.addingTimeInterval(Double.random(in: 0..<20, using: &generator).rounded())
                let due = heap.popDue(now: now)
                let expected = model.filter { $0.value <= now }
                #expect(Set(due) == Set(expected.keys))
                #expect(due.map { expected[$0]! } == due.map { expected[$0]! }.sorted())
                for key in due { model[key] = nil }
            }
            #expect(heap.count == model.count)
            #expect(heap.soonest() == model.values.min())
            #expect(heap.storedEntries <= 2 * heap.count + 65)
        }
    }
}
