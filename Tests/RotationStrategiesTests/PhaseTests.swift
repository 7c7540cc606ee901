import RotationStrategies
import Testing

@Suite("Rotation phases")
struct PhaseTests {
    private func reachable(from start: Phase) -> Set<Phase> {
        var seen: Set<Phase> = [start]
        var frontier = [start]
        while let phase = frontier.popLast() {
            for next in phase.successors where seen.insert(next).inserted { frontier.append(next) }
        }
        return seen
    }

    @Test("every phase is reachable from Idle and can return to Idle")
    func noDeadEnds() {
        #expect(reachable(from: .idle) == Set(Phase.allCases))
        for phase in Phase.allCases { #expect(reachable(from: phase).contains(.idle), "\(phase)") }
    }

    @Test("nothing is promoted without passing through Generating, and Verifying only leads to Promoting or RollingBack")
    func safety() {
        let intoPromoting = Phase.allCases.filter { $0.successors.contains(.promoting) }
        #expect(Set(intoPromoting) == [.generating, .verifying])
        #expect(Phase.verifying.successors == [.promoting, .rollingBack])
        #expect(!Phase.idle.canTransition(to: .promoting))
        #expect(Phase.migrating.canTransition(to: .migrating))
    }

    @Test("Rotating is true exactly for in-flight phases")
    func inProgress() {
        #expect(Phase.allCases.filter { !$0.isInProgress } == [.idle, .failed])
    }
}
