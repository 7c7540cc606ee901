import Foundation

/// Settings shared by the issuer controller and the Certificate controller's issuer resolution.
public enum IssuerOptions {
    /// The controller's own namespace (`POD_NAMESPACE`, as the chart and manifests set it), else `keyward-system`:
    /// the default `--cluster-resource-namespace`.
    public static var defaultClusterResourceNamespace: String {
        ProcessInfo.processInfo.environment["POD_NAMESPACE"].flatMap { $0.isEmpty ? nil : $0 } ?? "keyward-system"
    }
}
