import Foundation

/// The object and namespace names the API server accepts, for code that has no API server in front of it: in
/// standalone mode a name becomes part of a path under `--state` and `--out`, and these rules (no `/`, never `.` or
/// `..`, bounded length) are what keep it there.
public enum ObjectNames {
    /// `metadata.name`: a DNS-1123 subdomain (≤ 253 characters of `a-z`, `0-9`, `-`, `.`; each dot-separated part
    /// starting and ending with a letter or digit). Nil when valid.
    public static func nameProblem(_ name: String) -> String? {
        NameRules.dns1123SubdomainProblem(name)
    }

    /// `metadata.namespace`: a DNS-1123 label (≤ 63 characters of `a-z`, `0-9`, `-`, starting and ending with a
    /// letter or digit). Nil when valid.
    public static func namespaceProblem(_ namespace: String) -> String? {
        guard namespace.utf8.count <= 63, !namespace.contains(".") else {
            return "\"\(namespace)\" is not a valid namespace: at most 63 lower-case letters, digits and '-', starting "
                + "and ending with a letter or digit (RFC 1123 label)"
        }
        return NameRules.dns1123SubdomainProblem(namespace)
    }
}
