import ControllerRuntime
import Foundation
import KeywardCore
import Testing

/// One manual trigger per object per window; an admitted request runs to completion; the rest are coalesced.
@Suite struct ManualTriggerLimiterTests {
    let a = ObjectKey(namespace: "team", name: "a")
    let b = ObjectKey(namespace: "team", name: "b")

    @Test func aStormOfRequestsOnOneObjectIsActedOnOncePerWindow() async {
        let clock = ManualClock()
        let limiter = ManualTriggerLimiter(window: 30, clock: clock)
        var acted: [String] = []
        var announcements = 0
        // 300 distinct requests, one a second for five minutes, each seen by a reconcile, and each handled at
        // once when acted on (the object then shows no pending request until the next one).
        for second in 0..<300 {
            let request = "renew=\(second)"
            switch await limiter.decide(a, pending: request) {
            case .act:
                acted.append(request)
                #expect(await limiter.decide(a, pending: nil) == .act)  // handled
            case .wait(let seconds, let announce):
                #expect(seconds > 0 && seconds <= 30)
                if announce { announcements += 1 }
            }
            clock.advance(by: 1)
        }
        #expect(acted.count == 10, "one per 30 s over 300 s: \(acted)")
        #expect(announcements == 10, "one Event per window, not one per request")
        #expect(await limiter.deferredCount == 290)
    }

    @Test func anAdmittedRequestContinuesAndOtherObjectsAreIndependent() async {
        let clock = ManualClock()
        let limiter = ManualTriggerLimiter(window: 30, clock: clock)
        #expect(await limiter.decide(a, pending: "revoke=keyCompromise") == .act)
        clock.advance(by: 5)
        // The same revoke, still pending while it takes several reconciles: not held back.
        #expect(await limiter.decide(a, pending: "revoke=keyCompromise") == .act)
        // Another object is not affected.
        #expect(await limiter.decide(b, pending: "renew=1") == .act)
        // A different request on `a` inside the window waits for the window's end.
        #expect(await limiter.decide(a, pending: "renew=2") == .wait(seconds: 25, announce: true))
        #expect(await limiter.decide(a, pending: "renew=3") == .wait(seconds: 25, announce: false))
        clock.advance(by: 25)
        #expect(await limiter.decide(a, pending: "renew=3") == .act, "the latest value is acted on, once")
        // Handled and the window passed: the object's state is dropped.
        clock.advance(by: 30)
        #expect(await limiter.decide(a, pending: nil) == .act)
        #expect(await limiter.trackedCount == 1, "only b is still tracked")
    }

    @Test func aZeroWindowLimitsNothing() async {
        let limiter = ManualTriggerLimiter(window: 0, clock: ManualClock())
        for i in 0..<5 { #expect(await limiter.decide(a, pending: "rotate=\(i)") == .act) }
    }
}
