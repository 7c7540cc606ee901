/// The Secret data keys a strategy writes next to each value key KEY. Consumers depend on these names
/// (docs/secret-rotation.md) and they must not change within an API version. KeywardAPI's `SecretLayout` is this
/// type, so validation and the CRD check the names the state machine writes.
public enum SecretLayoutNames {
    public static let pendingSuffix = ".pending"
    public static let previousSuffix = ".previous"
    public static let blueSuffix = ".blue"
    public static let greenSuffix = ".green"
    /// Reserved suffixes: a `spec.keys[].name` may not end with one.
    public static let reservedSuffixes = [pendingSuffix, previousSuffix, blueSuffix, greenSuffix]
    /// The longest suffix, so names stay within the 253-character Secret key limit after suffixing.
    public static let longestSuffix = reservedSuffixes.map(\.utf8.count).max() ?? 0
    /// blueGreen: names the side KEY mirrors (`blue` or `green`), so consumers mounting the Secret can see it.
    public static let activeMarkerKey = "active"

    /// The candidate awaiting verification and promotion.
    public static func pending(_ key: String) -> String { key + pendingSuffix }
    /// The value before the last promotion (staged, dualWrite).
    public static func previous(_ key: String) -> String { key + previousSuffix }
    public static func blue(_ key: String) -> String { key + blueSuffix }
    public static func green(_ key: String) -> String { key + greenSuffix }
    public static func side(_ key: String, _ side: Side) -> String { side == .blue ? blue(key) : green(key) }

    /// Every data key the layout of `strategy` may hold for the value key `key` (besides the marker).
    public static func dataKeys(for key: String, strategy: StrategyKind) -> [String] {
        switch strategy {
        case .staged, .dualWrite: [key, pending(key), previous(key)]
        case .blueGreen: [key, blue(key), green(key)]
        case .immediate: [key, pending(key)]
        }
    }
}
