import Synchronization

/// One metric whose series belong to objects (a Certificate's expiry, its Ready status), kept in a dictionary and
/// rendered by ``KeywardMetrics/exposition()`` after the Prometheus registry's own series.
///
/// Why not the registry: swift-prometheus copies a family's whole label dictionary each time it adds a labelled
/// series, so one series per object made N objects cost O(N²). 10,000 Certificates spent most of their issuance
/// time there (a release `keyward-bench issuance` profile: 45 % in retain/release under `makeGauge`). Here adding,
/// setting and removing a series are O(1); a scrape sorts the series once.
public final class ObjectSeries: Sendable {
    public enum Kind: String, Sendable {
        case gauge, counter
    }

    public let name: String
    public let help: String
    public let kind: Kind
    /// The label names, in order; every series gives one value per name.
    public let labelNames: [String]
    private let values = Mutex<[[String]: Double]>([:])

    init(name: String, help: String, kind: Kind, labelNames: [String]) {
        self.name = name
        self.help = help
        self.kind = kind
        self.labelNames = labelNames
    }

    public func set(_ labelValues: [String], _ value: Double) {
        precondition(labelValues.count == labelNames.count, "\(name): \(labelNames.count) label values expected")
        values.withLock { $0[labelValues] = value }
    }

    public func increment(_ labelValues: [String], by amount: Double = 1) {
        precondition(labelValues.count == labelNames.count, "\(name): \(labelNames.count) label values expected")
        values.withLock { $0[labelValues, default: 0] += amount }
    }

    public func remove(_ labelValues: [String]) {
        _ = values.withLock { $0.removeValue(forKey: labelValues) }
    }

    public func value(_ labelValues: [String]) -> Double? {
        values.withLock { $0[labelValues] }
    }

    public var count: Int { values.withLock { $0.count } }

    /// The Prometheus text format, as swift-prometheus writes its own: HELP, TYPE, one line per series; nothing
    /// while the family has no series.
    func render(into buffer: inout [UInt8]) {
        let series = values.withLock { $0 }
        guard !series.isEmpty else { return }
        buffer.append(contentsOf: "# HELP \(name) ".utf8)
        for byte in help.utf8 {
            if byte == UInt8(ascii: "\\") { buffer.append(contentsOf: #"\\"#.utf8) } else if byte != 0x0A { buffer.append(byte) }
        }
        buffer.append(contentsOf: "\n# TYPE \(name) \(kind.rawValue)\n".utf8)
        for labelValues in series.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
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
            buffer.append(contentsOf: Self.format(series[labelValues]!, kind).utf8)
            buffer.append(UInt8(ascii: "\n"))
        }
    }

    /// Counters as whole numbers while they are whole, gauges as Swift prints a Double (what swift-prometheus does).
    static func format(_ value: Double, _ kind: Kind) -> String {
        if kind == .counter, value == value.rounded(), abs(value) < 9.0e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
