import Foundation
import KeywardPKI

/// Syntax rules for names in specs, each returning nil when valid or the reason when not.
///
/// These mirror what the API server (object names, label keys) and X.509 consumers (SAN syntax) enforce, so a spec
/// that passes here is not rejected later by something Keyward does not control.
enum NameRules {
    /// A DNS-1123 subdomain: what Kubernetes requires of Secret, Certificate and Deployment names.
    static func dns1123SubdomainProblem(_ name: String) -> String? {
        guard !name.isEmpty else { return "must not be empty" }
        guard name.utf8.count <= 253 else { return "must be no more than 253 characters" }
        let ok = name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
                && label.utf8.first.map(isLowerAlnum) == true && label.utf8.last.map(isLowerAlnum) == true
        }
        return ok ? nil : "\"\(name)\" is not a valid name: lower-case letters, digits, '-' and '.', starting and "
            + "ending with a letter or digit (RFC 1123 subdomain)"
    }

    /// A DNS-1123 label: what Kubernetes requires of container names.
    static func dns1123LabelProblem(_ name: String) -> String? {
        guard name.utf8.count <= 63, !name.contains(".") else {
            return "\"\(name)\" is not a valid name: at most 63 lower-case letters, digits and '-' (RFC 1123 label)"
        }
        return dns1123SubdomainProblem(name)
    }

    // SAN and URL syntax: the rules issuance enforces (KeywardPKI's NameSyntax), with the offending text quoted.

    /// An RFC 1123 host name, optionally with a single `*` as the entire leftmost label.
    static func dnsNameProblem(_ name: String) -> String? { quoted(name, NameSyntax.dnsNameProblem(name)) }

    /// An IPv4 or IPv6 literal (no zone, no prefix length).
    static func ipAddressProblem(_ text: String) -> String? { quoted(text, NameSyntax.ipAddressProblem(text)) }

    /// An absolute URI (RFC 3986, with RFC 5280's additions for a SAN).
    static func uriProblem(_ uri: String) -> String? { quoted(uri, NameSyntax.uriProblem(uri)) }

    /// A URL with one of `schemes` and a host.
    static func urlProblem(_ text: String, schemes: [String]) -> String? {
        quoted(text, NameSyntax.urlProblem(text, schemes: schemes))
    }

    /// `local@domain` with an ASCII local part and a host-name domain.
    static func emailProblem(_ address: String) -> String? { quoted(address, NameSyntax.emailProblem(address)) }

    private static func quoted(_ text: String, _ problem: String?) -> String? { problem.map { "\"\(text)\" \($0)" } }

    /// A Secret data key (`[-._a-zA-Z0-9]+`, at most 253 characters, not `.` or `..`).
    static func secretKeyProblem(_ key: String) -> String? {
        guard !key.isEmpty else { return "must not be empty" }
        guard key.utf8.count <= 253 else { return "must be no more than 253 characters" }
        guard key.utf8.allSatisfy({ isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
            || $0 == UInt8(ascii: ".") }), key != ".", key != ".."
        else {
            return "\"\(key)\" is not a valid Secret key: use letters, digits, '-', '_' and '.'"
        }
        return nil
    }

    /// A label or annotation key: `[prefix/]name`, prefix a DNS subdomain, name ≤ 63 alphanumerics with `-_.`.
    static func qualifiedNameProblem(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return "\"\(key)\" has more than one '/'" }
        if parts.count == 2, dns1123SubdomainProblem(String(parts[0])) != nil {
            return "\"\(key)\": the prefix must be a DNS subdomain"
        }
        let name = parts.last!
        guard !name.isEmpty, name.utf8.count <= 63, isLabelValue(name) else {
            return "\"\(key)\": the name part must be 1-63 letters, digits, '-', '_' or '.', starting and ending "
                + "with a letter or digit"
        }
        return nil
    }

    /// A label value: empty, or ≤ 63 alphanumerics with `-_.` inside.
    static func labelValueProblem(_ value: String) -> String? {
        if value.isEmpty { return nil }
        return value.utf8.count <= 63 && isLabelValue(Substring(value))
            ? nil : "\"\(value)\" is not a valid label value (at most 63 letters, digits, '-', '_' or '.')"
    }

    /// A plain file name: letters, digits, `.`, `_`, `-`, not starting with `.` (so never `.`, `..` or the
    /// `..data`-style names the atomic directory layout reserves). The CRD pattern is the same rule.
    static func fileNameProblem(_ name: String) -> String? {
        guard !name.isEmpty else { return "must not be empty" }
        guard name.utf8.count <= 255 else { return "must be no more than 255 bytes" }
        guard isPathComponent(Substring(name)) else {
            return "\"\(name)\" must be a plain file name: letters, digits, '.', '_' and '-', not starting with '.'"
        }
        return nil
    }

    /// A relative path of ``fileNameProblem(_:)``-style components separated by `/`: never absolute, never `..`.
    static func relativePathProblem(_ path: String) -> String? {
        guard !path.isEmpty else { return "must not be empty" }
        guard !path.hasPrefix("/") else { return "\"\(path)\" must be relative, not absolute" }
        guard path.utf8.count <= 1024 else { return "must be no more than 1024 characters" }
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            if component == ".." { return "\"\(path)\" must not contain \"..\"" }
            guard isPathComponent(component) else {
                return "\"\(path)\": each component must be letters, digits, '.', '_' and '-', not empty and not "
                    + "starting with '.'"
            }
        }
        return nil
    }

    private static func isPathComponent(_ s: Substring) -> Bool {
        guard let first = s.utf8.first, first != UInt8(ascii: ".") else { return false }
        return s.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// An HTTP header field name (RFC 9110 token).
    static func headerNameProblem(_ name: String) -> String? {
        let tchar = Set("!#$%&'*+-.^_`|~".utf8)
        guard !name.isEmpty, name.utf8.allSatisfy({ isAlnum($0) || tchar.contains($0) }) else {
            return "\"\(name)\" is not a valid HTTP header name"
        }
        return nil
    }

    private static func isLabelValue(_ s: Substring) -> Bool {
        s.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
            && s.utf8.first.map(isAlnum) == true && s.utf8.last.map(isAlnum) == true
    }

    static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    private static func isLowerAlnum(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7A) }
}

/// A file permission setting written as an octal string (`"0640"`), as in a pod's `defaultMode` docs.
public struct FileMode: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    /// The permission bits, or nil when the text is not 3 or 4 octal digits (with only permission bits).
    public var permissions: UInt16? {
        let digits = rawValue.hasPrefix("0") && rawValue.count == 4 ? String(rawValue.dropFirst()) : rawValue
        guard digits.count == 3, digits.allSatisfy({ ("0"..."7").contains($0) }) else { return nil }
        return UInt16(digits, radix: 8)
    }

    public var description: String { rawValue }

    func problem() -> String? {
        permissions == nil ? "\"\(rawValue)\" is not an octal file mode such as \"0640\"" : nil
    }
}
