import Foundation
import RotationStrategies
import Testing

@Suite("Secret layouts per strategy")
struct LayoutTests {
    typealias Data_ = [String: Data]
    let old: Data_ = ["password": Data("old".utf8)]
    let new: Data_ = ["password": Data("new".utf8)]

    private func layout(_ s: StrategyKind) -> StrategyLayout { StrategyLayout(strategy: s, valueKeys: ["password"]) }

    @Test("immediate: candidate in KEY.pending, promotion replaces KEY in place and keeps nothing")
    func immediate() throws {
        let l = layout(.immediate)
        let base = l.provisioning(old, into: ["other": Data("x".utf8)])
        #expect(base == ["password": Data("old".utf8), "other": Data("x".utf8)])
        let staged = l.writingCandidate(new, into: base)
        #expect(staged.text("password.pending") == "new" && staged.text("password") == "old")
        let promoted = try #require(l.promoting(staged))
        #expect(promoted == ["password": Data("new".utf8), "other": Data("x".utf8)])
        #expect(l.previous(in: promoted) == nil)
        #expect(l.restoringPrevious(promoted) == nil)
    }

    @Test("staged: promotion sets KEY = new and KEY.previous = old, which stays after finalizing")
    func staged() throws {
        let l = layout(.staged)
        let promoted = try #require(l.promoting(l.writingCandidate(new, into: old)))
        #expect(promoted == ["password": Data("new".utf8), "password.previous": Data("old".utf8)])
        #expect(l.finalizing(promoted) == promoted)
        let restored = try #require(l.restoringPrevious(promoted))
        #expect(restored == ["password": Data("old".utf8)])
    }

    @Test("dualWrite: both values while migrating, KEY.previous dropped by finalizing")
    func dualWrite() throws {
        let l = layout(.dualWrite)
        let promoted = try #require(l.promoting(l.writingCandidate(new, into: old)))
        #expect(promoted == ["password": Data("new".utf8), "password.previous": Data("old".utf8)])
        #expect(l.finalizing(promoted) == ["password": Data("new".utf8)])
    }

    @Test("blueGreen: candidate on the inactive side, promotion flips the marker and KEY in one update")
    func blueGreen() throws {
        let l = layout(.blueGreen)
        let base = l.provisioning(old, into: [:])
        #expect(base == ["password": Data("old".utf8), "password.blue": Data("old".utf8), "active": Data("blue".utf8)])
        let staged = l.writingCandidate(new, into: base)
        #expect(staged.text("password.green") == "new" && staged.text("password") == "old")
        let promoted = try #require(l.promoting(staged))
        #expect(promoted == ["password": Data("new".utf8), "password.blue": Data("old".utf8),
                             "password.green": Data("new".utf8), "active": Data("green".utf8)])
        #expect(l.activeSide(in: promoted) == .green)
        let back = try #require(l.restoringPrevious(promoted))
        #expect(back.text("active") == "blue" && back.text("password") == "old" && back.text("password.green") == "new")
    }

    @Test("discarding keeps a blueGreen side unless it holds exactly the named candidate")
    func discard() {
        let l = layout(.blueGreen)
        let promotedOnce: [String: Data] = ["password": Data("b".utf8), "password.blue": Data("a".utf8),
                                            "password.green": Data("b".utf8), "active": Data("green".utf8)]
        // The inactive side (blue) is the previous committed value: no hash, or another hash, keeps it.
        #expect(l.discardingCandidate(promotedOnce, candidateHash: nil) == promotedOnce)
        #expect(l.discardingCandidate(promotedOnce, candidateHash: ValuesHash.of(["password": Data("z".utf8)]))
                == promotedOnce)
        let dropped = l.discardingCandidate(promotedOnce, candidateHash: ValuesHash.of(["password": Data("a".utf8)]))
        #expect(dropped["password.blue"] == nil && dropped.text("password") == "b")
        let pending = layout(.staged).discardingCandidate(["password": Data("a".utf8), "password.pending": Data("b".utf8)],
                                                          candidateHash: nil)
        #expect(pending == ["password": Data("a".utf8)])
    }

    @Test("normalizing an idle Secret drops leftovers of other layouts and repairs blueGreen")
    func normalize() {
        let messy: [String: Data] = ["password": Data("a".utf8), "password.pending": Data("p".utf8),
                                     "password.previous": Data("o".utf8), "password.blue": Data("x".utf8),
                                     "unrelated": Data("u".utf8)]
        #expect(layout(.immediate).normalized(messy) == ["password": Data("a".utf8), "unrelated": Data("u".utf8)])
        #expect(layout(.staged).normalized(messy)
                == ["password": Data("a".utf8), "password.previous": Data("o".utf8), "unrelated": Data("u".utf8)])
        #expect(layout(.dualWrite).normalized(messy) == ["password": Data("a".utf8), "unrelated": Data("u".utf8)])
        // Switched to blueGreen: the marker is added and KEY mirrors the active side.
        let bg = layout(.blueGreen).normalized(["password": Data("a".utf8)])
        #expect(bg == ["password": Data("a".utf8), "password.blue": Data("a".utf8), "active": Data("blue".utf8)])
        let drifted = layout(.blueGreen).normalized(["password": Data("edited".utf8), "password.blue": Data("a".utf8),
                                                     "active": Data("blue".utf8)])
        #expect(drifted.text("password") == "a")
    }

    @Test("two rotations of one Secret conflict exactly when their owned data keys overlap")
    func ownedKeys() {
        let a = StrategyLayout(strategy: .staged, valueKeys: ["password"]).ownedDataKeys
        #expect(a == ["password", "password.pending", "password.previous"])
        let b = StrategyLayout(strategy: .blueGreen, valueKeys: ["token"]).ownedDataKeys
        #expect(a.isDisjoint(with: b))
        let c = StrategyLayout(strategy: .blueGreen, valueKeys: ["other"]).ownedDataKeys
        #expect(!b.isDisjoint(with: c), "two blueGreen rotations would share the active marker")
    }
}
