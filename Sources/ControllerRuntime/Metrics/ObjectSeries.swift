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

    /// The family and its series as they are now.
    func snapshot() -> ObjectFamilySnapshot {
        let series = values.withLock { $0 }
        return ObjectFamilySnapshot(name: name, help: help, kind: kind, labelNames: labelNames,
                                    series: series.map { (labels: $0.key, value: $0.value) })
    }
}
