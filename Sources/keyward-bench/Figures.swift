import Foundation
import Synchronization

/// One measured number, with the baseline measured in the same run that gives it meaning.
///
/// These machines are noisy and shared, so a figure is reported next to its baseline and as a ratio; an absolute
/// time on its own says little.
struct Figure: Codable, Sendable {
    var suite: String
    var name: String
    var value: Double
    var unit: String
    var baselineName: String?
    var baseline: Double?
    var note: String?

    init(_ suite: String, _ name: String, _ value: Double, _ unit: String, baseline: (name: String, value: Double)? = nil,
         note: String? = nil) {
        self.suite = suite
        self.name = name
        self.value = value
        self.unit = unit
        self.baselineName = baseline?.name
        self.baseline = baseline?.value
        self.note = note
    }

    /// value ÷ baseline, when both are meaningful.
    var ratio: Double? {
        guard let baseline, baseline != 0, value.isFinite else { return nil }
        return value / baseline
    }
}

/// Collects figures as suites produce them and prints each as soon as it is known, so a long run shows progress and
/// an interrupted one still leaves its numbers on screen.
final class Report: Sendable {
    private let figures = Mutex<[Figure]>([])
    private let notes = Mutex<[String]>([])

    func add(_ figure: Figure) {
        figures.withLock { $0.append(figure) }
        emit(Self.line(figure))
    }

    func note(_ suite: String, _ text: String) {
        notes.withLock { $0.append("[\(suite)] \(text)") }
        emit("  [\(suite)] note: \(text)")
    }

    var all: [Figure] { figures.withLock { $0 } }
    var allNotes: [String] { notes.withLock { $0 } }

    static func format(_ value: Double) -> String {
        if !value.isFinite { return "n/a" }
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        if magnitude >= 1000 { return String(format: "%.0f", value) }
        if magnitude >= 100 { return String(format: "%.1f", value) }
        if magnitude >= 1 { return String(format: "%.2f", value) }
        if magnitude >= 0.01 { return String(format: "%.3f", value) }
        return String(format: "%.2g", value)
    }

    static func line(_ f: Figure) -> String {
        var text = "  \(f.name.padding(toLength: 58, withPad: " ", startingAt: 0)) \(format(f.value)) \(f.unit)"
        if let name = f.baselineName, let baseline = f.baseline {
            text += "   (baseline \(name): \(format(baseline)) \(f.unit)"
            if let ratio = f.ratio { text += ", ratio \(format(ratio))" }
            text += ")"
        }
        if let note = f.note { text += "   — \(note)" }
        return text
    }

    /// A Markdown table of every figure, for docs/benchmarks.md.
    func markdown() -> String {
        var out = "| Suite | Figure | Value | Baseline | Ratio | Note |\n|---|---|---|---|---|---|\n"
        for f in all {
            let baseline = f.baseline.map { "\(f.baselineName ?? ""): \(Self.format($0)) \(f.unit)" } ?? ""
            let ratio = f.ratio.map(Self.format) ?? ""
            out += "| \(f.suite) | \(f.name) | \(Self.format(f.value)) \(f.unit) | \(baseline) | \(ratio) | \(f.note ?? "") |\n"
        }
        return out
    }

    func json(machine: MachineDescription, quick: Bool) throws -> Data {
        struct Document: Codable {
            var machine: MachineDescription
            var quick: Bool
            var date: Date
            var figures: [Figure]
            var notes: [String]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(Document(machine: machine, quick: quick, date: Date(), figures: all, notes: allNotes))
    }
}

/// Order statistics over a sample.
struct Sample {
    private(set) var values: [Double]

    init(_ values: [Double]) { self.values = values.sorted() }

    var count: Int { values.count }
    var mean: Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }
    var min: Double { values.first ?? .nan }
    var max: Double { values.last ?? .nan }

    /// Nearest-rank percentile, `p` in 0…100.
    func percentile(_ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let rank = Int((p / 100 * Double(values.count)).rounded(.up))
        return values[Swift.min(Swift.max(rank, 1), values.count) - 1]
    }
}

/// Wall time on the monotonic clock.
struct Stopwatch {
    private let start = ContinuousClock.now
    var seconds: Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// The largest number of `times` falling in any window of `window` seconds.
func peakRate(_ times: [Date], window: TimeInterval = 1) -> Int {
    let sorted = times.sorted()
    var best = 0
    var low = 0
    for high in sorted.indices {
        while sorted[high].timeIntervalSince(sorted[low]) >= window { low += 1 }
        best = max(best, high - low + 1)
    }
    return best
}

/// Writes a line to standard output at once (unbuffered), so progress shows while a long suite runs.
func emit(_ text: String = "") {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
