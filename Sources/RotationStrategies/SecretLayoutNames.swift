/// The Secret data keys a strategy writes next to each value key KEY. Consumers depend on these names
/// (docs/secret-rotation.md); KeywardAPI's `SecretLayout` spells the same names for validation and the CRD.
public enum SecretLayoutNames {
    public static let pendingSuffix = ".pending"
    public static let previousSuffix = ".previous"
    public static let blueSuffix = ".blue"
    public static let greenSuffix = ".green"
    /// blueGreen: names the side KEY mirrors (`blue` or `green`).
    public static let activeMarkerKey = "active"

    public static func pending(_ key: String) -> String { key + pendingSuffix }
    public static func previous(_ key: String) -> String { key + previousSuffix }
    public static func side(_ key: String, _ side: Side) -> String { key + (side == .blue ? blueSuffix : greenSuffix) }
}
