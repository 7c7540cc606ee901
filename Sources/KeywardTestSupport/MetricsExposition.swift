import Foundation

/// A strict parser for the Prometheus text exposition format (0.0.4), so tests assert on values, not on strings.
/// Shared by the suites that read metrics (ControllerRuntime's own series, the controllers' families).
///
/// Rejects what Prometheus would reject: samples before their family's TYPE, unknown types, repeated TYPE lines,
/// malformed label sets, unparsable values, and the same series twice.
public struct MetricsExposition: Sendable {
    public struct Sample: Hashable, Sendable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    public struct Family: Sendable {
        public var name: String
        public var type: String
        public var help: String?
        public var samples: [Sample] = []
    }

    public struct ParseError: Error, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public private(set) var families: [String: Family] = [:]

    public init(parsing text: String) throws {
        var helps: [String: String] = [:]
        var seen: Set<Sample> = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = String(raw)
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true).map(String.init)
                guard parts.count >= 3 else { continue }  // a plain comment
                switch parts[1] {
                case "TYPE":
                    let name = parts[2]
                    guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                        throw ParseError(line: number, reason: "bad TYPE line")
                    }
                    guard families[name] == nil else { throw ParseError(line: number, reason: "second TYPE for \(name)") }
                    families[name] = Family(name: name, type: parts[3], help: helps[name])
                case "HELP":
                    helps[parts[2]] = parts.count == 4 ? parts[3] : ""
                    families[parts[2]]?.help = helps[parts[2]]
                default: continue
                }
                continue
            }
            let sample = try Self.parseSample(line, number: number)
            guard let family = familyName(of: sample.name) else {
                throw ParseError(line: number, reason: "sample \(sample.name) before its TYPE line")
            }
            guard seen.insert(Sample(name: sample.name, labels: sample.labels, value: 0)).inserted else {
                throw ParseError(line: number, reason: "duplicate series \(sample.name)\(sample.labels)")
            }
            families[family]!.samples.append(sample)
        }
    }

    /// The family a sample belongs to: its own name, or the histogram/summary it is a `_bucket`/`_sum`/`_count` of.
    private func familyName(of sample: String) -> String? {
        if families[sample] != nil { return sample }
        for suffix in ["_bucket", "_sum", "_count"] where sample.hasSuffix(suffix) {
            let base = String(sample.dropLast(suffix.count))
            if let family = families[base], family.type == "histogram" || family.type == "summary" { return base }
        }
        return nil
    }

    private static func parseSample(_ line: String, number: Int) throws -> Sample {
        var index = line.startIndex
        func fail(_ reason: String) -> ParseError { ParseError(line: number, reason: reason) }
        let nameEnd = line[index...].firstIndex { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") } ?? line.endIndex
        let name = String(line[index..<nameEnd])
        guard let first = name.first, !first.isNumber else { throw fail("bad metric name") }
        index = nameEnd
        var labels: [String: String] = [:]
        if index < line.endIndex, line[index] == "{" {
            index = line.index(after: index)
            while true {
                guard index < line.endIndex else { throw fail("unterminated label set") }
                if line[index] == "}" { index = line.index(after: index); break }
                let keyEnd = line[index...].firstIndex(of: "=") ?? line.endIndex
                let key = String(line[index..<keyEnd])
                guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), keyEnd < line.endIndex
                else { throw fail("bad label name") }
                index = line.index(after: keyEnd)
                guard index < line.endIndex, line[index] == "\"" else { throw fail("label value must be quoted") }
                index = line.index(after: index)
                var value = ""
                while true {
                    guard index < line.endIndex else { throw fail("unterminated label value") }
                    let c = line[index]
                    index = line.index(after: index)
                    if c == "\"" { break }
                    if c == "\\" {
                        guard index < line.endIndex else { throw fail("dangling escape") }
                        switch line[index] {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw fail("unknown escape")
                        }
                        index = line.index(after: index)
                    } else {
                        value.append(c)
                    }
                }
                guard labels.updateValue(value, forKey: key) == nil else { throw fail("label \(key) twice") }
                if index < line.endIndex, line[index] == "," { index = line.index(after: index) }
            }
        }
        let fields = line[index...].split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 1 || fields.count == 2 else { throw fail("expected a value and an optional timestamp") }
        guard let value = parseValue(String(fields[0])) else { throw fail("bad value '\(fields[0])'") }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func parseValue(_ text: String) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(text)
        }
    }

    // MARK: Queries

    /// The single sample of `name` whose labels are exactly `labels`.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        guard let family = familyName(of: name) else { return nil }
        return families[family]?.samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// Every sample named `name` (including those of a histogram when given `x_bucket` etc.).
    public func samples(_ name: String) -> [Sample] {
        guard let family = familyName(of: name) else { return [] }
        return families[family]?.samples.filter { $0.name == name } ?? []
    }

    public func type(of family: String) -> String? { families[family]?.type }
}
