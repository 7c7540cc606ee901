/// One per-object family as a scrape sees it: what it is, and its series at that moment.
public struct ObjectFamilySnapshot: Sendable {
    public var name: String
    public var help: String
    public var kind: ObjectSeries.Kind
    /// The label names, in order; every series gives one value per name.
    public var labelNames: [String]
    public var series: [(labels: [String], value: Double)]

    public init(name: String, help: String, kind: ObjectSeries.Kind, labelNames: [String],
                series: [(labels: [String], value: Double)]) {
        self.name = name
        self.help = help
        self.kind = kind
        self.labelNames = labelNames
        self.series = series
    }

    /// The Prometheus text format, as swift-prometheus writes its own: HELP, TYPE, one line per series in label
    /// order; nothing while the family has no series.
    func render(into buffer: inout [UInt8]) {
        guard !series.isEmpty else { return }
        buffer.append(contentsOf: "# HELP \(name) ".utf8)
        for byte in help.utf8 {
            if byte == UInt8(ascii: "\\") { buffer.append(contentsOf: #"\\"#.utf8) } else if byte != 0x0A { buffer.append(byte) }
        }
        buffer.append(contentsOf: "\n# TYPE \(name) \(kind.rawValue)\n".utf8)
        for (labelValues, value) in series.sorted(by: { $0.labels.lexicographicallyPrecedes($1.labels) }) {
            // A scrape never ends the process: a series with the wrong number of values (a bug) is left out.
            guard labelValues.count == labelNames.count else {
                assertionFailure("\(name): \(labelNames.count) label values expected")
                continue
            }
            buffer.append(contentsOf: name.utf8)
            buffer.append(UInt8(ascii: "{"))
            for (index, label) in labelNames.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                buffer.append(contentsOf: label.utf8)
                buffer.append(contentsOf: #"=""#.utf8)
                for byte in labelValues[index].utf8 {
                    switch byte {
                    case UInt8(ascii: "\\"): buffer.append(contentsOf: #"\\"#.utf8)
                    case UInt8(ascii: "\""): buffer.append(contentsOf: #"\""#.utf8)
                    case 0x0A: buffer.append(contentsOf: #"\n"#.utf8)
                    default: buffer.append(byte)
                    }
                }
                buffer.append(UInt8(ascii: "\""))
            }
            buffer.append(contentsOf: "} ".utf8)
            buffer.append(contentsOf: Self.format(value, kind).utf8)
            buffer.append(UInt8(ascii: "\n"))
        }
    }

    /// Counters as whole numbers while they are whole, gauges as Swift prints a Double (what swift-prometheus does).
    static func format(_ value: Double, _ kind: ObjectSeries.Kind) -> String {
        if kind == .counter, value == value.rounded(), abs(value) < 9.0e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

/// Per-object families a controller computes from its own table at scrape time. Made through
/// ``KeywardMetrics/family(_:make:)``, the one instance is what `/metrics` renders (one made with `init` alone is
/// not rendered).
///
/// Why not ``ObjectSeries``: a dictionary entry per series, each keyed by its own array of label values, cost a
/// Certificate's nine series 1.5 KB (heaptrack, 10,000 Certificates: 14.7 MB). One row per object holds the same
/// values in a tenth of that.
public protocol ObjectFamilySource: MetricFamily {
    func snapshot() -> [ObjectFamilySnapshot]
}
