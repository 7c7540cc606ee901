import Foundation
@testable import KeywardCore
import Testing

@Suite struct GoDurationTests {
    @Test(arguments: [
        ("2160h", 2160 * 3600.0), ("720h", 720 * 3600.0), ("168h", 168 * 3600.0), ("1h30m", 5400.0),
        ("90s", 90.0), ("500ms", 0.5), ("1.5h", 5400.0), ("0", 0.0), ("-5m", -300.0), ("2h45m10.5s", 9910.5),
    ])
    func parses(text: String, seconds: Double) throws {
        #expect(try GoDuration(parsing: text).seconds == seconds)
    }

    @Test(arguments: ["", "h", "5", "5d", "1h30", "abc", "1.2.3s", "5 m"])
    func rejects(text: String) {
        #expect(throws: GoDuration.ParseError.self) { try GoDuration(parsing: text) }
    }

    /// The byte-level reading of `2160h`-style text gives exactly what the general parse gives, and leaves
    /// everything else (signs, spaces, fractions, several units, results past 2⁵³ ns) to it.
    @Test func wholeUnitsAgreeWithTheGeneralParse() throws {
        var generator = SystemRandomNumberGenerator()
        var inputs = ["0h", "1h", "05m", "2160h", "720h", "30s", "2501h", "2502h", "150119m", "9007199s", "9007200s",
                      " 5h", "5h ", "+5h", "-5h", "1.5h", "1h30m", "5ms", "5", "h", "", "99999999999999999h"]
        for _ in 0..<2_000 {
            let digits = String(Int.random(in: 0..<Int(1e12), using: &generator)).prefix(Int.random(in: 1...12, using: &generator))
            inputs.append(digits + ["h", "m", "s"].randomElement(using: &generator)!)
        }
        for input in inputs {
            let general = Result { () throws(GoDuration.ParseError) in try GoDuration.parsedGenerally(input) }
            if let fast = GoDuration.wholeUnits(input) {
                #expect(try general.get() == fast, "\(input)")
            }
            #expect(Result { () throws(GoDuration.ParseError) in try GoDuration(parsing: input).nanoseconds } == general, "\(input)")
        }
        #expect(GoDuration.wholeUnits("2160h") == Int64(2160) * 3_600_000_000_000)
        #expect(GoDuration.wholeUnits("2502h") == nil)  // past 2⁵³ ns: the general parse decides
    }

    @Test func formatsLikeGo() throws {
        #expect(GoDuration.hours(2160).description == "2160h0m0s")
        #expect(GoDuration(seconds: 90).description == "1m30s")
        #expect(GoDuration(seconds: 0.5).description == "500ms")
        // Round trip through the text form.
        for text in ["2160h0m0s", "1m30s", "720h0m0s"] {
            #expect(try GoDuration(parsing: text).description == text)
        }
    }

    @Test func codableUsesTheTextForm() throws {
        let data = try JSONEncoder().encode(["d": GoDuration.hours(168)])
        #expect(String(decoding: data, as: UTF8.self) == #"{"d":"168h0m0s"}"#)
        let decoded = try JSONDecoder().decode([String: GoDuration].self, from: Data(#"{"d":"7h"}"#.utf8))
        #expect(decoded["d"] == .hours(7))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([String: GoDuration].self, from: Data(#"{"d":"7 days"}"#.utf8))
        }
    }
}

@Suite struct BackoffTests {
    @Test func doublesAndCaps() {
        let backoff = Backoff(base: 0.005, cap: 1000, jitter: 0)
        #expect(backoff.delay(attempt: 0) == 0.005)
        #expect(backoff.delay(attempt: 3) == 0.04)
        #expect(backoff.delay(attempt: 40) == 1000)
    }

    @Test func jitterStaysWithinBounds() {
        let backoff = Backoff(base: 1, cap: 100, jitter: 0.5)
        for attempt in 0..<8 {
            let ceiling = backoff.ceiling(attempt: attempt)
            for _ in 0..<50 {
                let d = backoff.delay(attempt: attempt)
                #expect(d <= ceiling && d >= ceiling * 0.5)
            }
        }
    }
}

@Suite struct ManualClockTests {
    @Test func sleepersWakeWhenTimeAdvances() async throws {
        let clock = ManualClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Date.self) { group in
            group.addTask {
                try await clock.sleep(until: start.addingTimeInterval(3600))
                return clock.now
            }
            // Bounded wait until the sleeper has parked.
            for _ in 0..<10_000 where clock.sleeperCount == 0 { await Task.yield() }
            #expect(clock.sleeperCount == 1)
            clock.advance(by: 3600)
            let woke = try await group.next()
            #expect(woke == start.addingTimeInterval(3600))
        }
    }

    @Test func cancellationEndsASleep() async {
        let clock = ManualClock()
        let task = Task { try await clock.sleep(for: .seconds(86_400)) }
        for _ in 0..<10_000 where clock.sleeperCount == 0 { await Task.yield() }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperCount == 0)
    }
}
