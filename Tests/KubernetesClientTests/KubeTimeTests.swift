import Foundation
import KeywardTestSupport
import KubernetesClient
import Testing

/// `KubeTime.parse` reads the API server's own form (`2026-12-05T01:02:03Z`) by arithmetic; it must read exactly
/// what the ISO 8601 format style reads, and refuse what it refuses.
@Suite struct KubeTimeTests {
    static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: .gmt)

    @Test(arguments: [
        "1970-01-01T00:00:00Z", "2026-12-05T01:02:03Z", "2000-02-29T23:59:59Z", "1900-02-28T12:00:00Z", "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00Z", "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z",
        "2026-01-01T23:59:60Z", "2026-01-01t00:00:00Z", "2026-01-01T00:00:00z", "2026-01-01 00:00:00Z", "2026-1-01T00:00:00Z",
        "2026-01-01T00:00:00+01:00", "2026-01-01T00:00:00.5Z", "+026-01-01T00:00:00Z", "2026-01-01T00:00:0xZ",
    ])
    func readsWhatTheFormatStyleReads(_ text: String) {
        #expect(KubeTime.parse(text) == (try? Self.style.parse(text)), "\(text)")
    }

    /// Ten thousand random timestamps, most of them valid, written in the canonical form.
    @Test func agreesOnRandomTimestamps() {
        var random = SplitMix64(seed: 0x5449_4D45)
        for _ in 0..<10_000 {
            let text = String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int.random(in: 1...9999, using: &random),
                              Int.random(in: 0...13, using: &random), Int.random(in: 0...32, using: &random),
                              Int.random(in: 0...24, using: &random), Int.random(in: 0...60, using: &random),
                              Int.random(in: 0...60, using: &random))
            #expect(KubeTime.parse(text) == (try? Self.style.parse(text)), "\(text)")
        }
    }

    @Test func formatsAndReadsBack() {
        let date = Date(timeIntervalSince1970: 1_796_432_523)
        #expect(KubeTime.parse(KubeTime.format(date)) == date)
    }
}
