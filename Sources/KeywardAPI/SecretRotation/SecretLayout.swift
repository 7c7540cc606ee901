/// Names of the Secret keys each rotation strategy writes. Consumers depend on these names; they are documented in
/// docs/secret-rotation.md and must not change within an API version.
public enum SecretLayout {
    public static let pendingSuffix = ".pending"
    public static let previousSuffix = ".previous"
    public static let blueSuffix = ".blue"
    public static let greenSuffix = ".green"
    /// Reserved suffixes: a `spec.keys[].name` may not end with one.
    public static let reservedSuffixes = [pendingSuffix, previousSuffix, blueSuffix, greenSuffix]
    /// blueGreen only: the data key naming the live side (`blue` or `green`), so consumers mounting the Secret can
    /// see which side KEY mirrors.
    public static let activeMarkerKey = "active"

    /// The candidate awaiting verification and promotion.
    public static func pending(_ key: String) -> String { key + pendingSuffix }
    /// The value before the last promotion (staged, dualWrite).
    public static func previous(_ key: String) -> String { key + previousSuffix }
    public static func blue(_ key: String) -> String { key + blueSuffix }
    public static func green(_ key: String) -> String { key + greenSuffix }
    public static func side(_ key: String, _ environment: SecretRotation.Environment) -> String {
        environment == .blue ? blue(key) : green(key)
    }

    /// Every data key the layout of `strategy` may hold for the value key `key` (besides the marker).
    public static func dataKeys(for key: String, strategy: SecretRotation.StrategyType) -> [String] {
        switch strategy {
        case .staged, .dualWrite: [key, pending(key), previous(key)]
        case .blueGreen: [key, blue(key), green(key)]
        default: [key, pending(key)]
        }
    }

    /// The longest suffix, so names stay within the 253-character Secret key limit after suffixing.
    static let longestSuffix = reservedSuffixes.map(\.utf8.count).max()!
}
