import Foundation

/// Syntax checks for the names a certificate carries. Strict on purpose: anything a TLS client or linter would
/// reject is better refused at admission time than discovered after issuance.
///
/// These are the only definitions of the rules: KeywardAPI's spec validation calls them too. Each returns nil when
/// the text is valid, else a reason written to follow the quoted text (`"x" has an empty label`).
public enum NameSyntax {
    /// An LDH hostname (RFC 1123), optionally with a single leading `*.` wildcard label (RFC 6125 6.4.3).
    /// Internationalised names must arrive as A-labels (`xn--`), because SAN dNSName is IA5String.
    public static func dnsNameProblem(_ name: String, allowWildcard: Bool = true) -> String? {
        guard !name.isEmpty else { return "must not be empty" }
        guard name.utf8.count <= 253 else { return "is longer than 253 characters" }
        var labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if labels.first == "*" {
            guard allowWildcard else { return "wildcards are not allowed here" }
            guard labels.count >= 3 else { return "a wildcard needs at least two labels after \"*.\"" }
            labels.removeFirst()
        }
        for label in labels {
            guard !label.isEmpty else { return "has an empty label" }
            guard label.utf8.count <= 63 else { return "has a label longer than 63 characters" }
            guard label.utf8.allSatisfy({ isLDH($0) }) else {
                if label.contains("*") { return "wildcard \"*\" is only allowed as the entire leftmost label" }
                return "label \"\(label)\" may contain only letters, digits and hyphens"
            }
            guard label.first != "-", label.last != "-" else {
                return "label \"\(label)\" must not start or end with a hyphen"
            }
        }
        return nil
    }

    /// `local@domain`: a printable-ASCII local part of at most 64 characters and a host name without wildcard
    /// (rfc822Name is IA5String).
    public static func emailProblem(_ address: String) -> String? {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return "must have the form local-part@domain" }
        guard parts[0].utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return "has a local part that is not printable ASCII without spaces"
        }
        guard parts[0].utf8.count <= 64 else { return "has a local part longer than 64 characters" }
        if let problem = dnsNameProblem(String(parts[1]), allowWildcard: false) { return "has an invalid domain: \(problem)" }
        return nil
    }

    /// An IPv4 dotted quad or RFC 4291 IPv6 text, without zone or prefix length.
    public static func ipAddressProblem(_ text: String) -> String? {
        IPAddress.bytes(text) == nil ? "is not an IPv4 or IPv6 address" : nil
    }

    /// An absolute URI as RFC 5280 4.2.1.6 requires of a uniformResourceIdentifier SAN: RFC 3986 syntax (checked
    /// here character by character, not by a lenient URL parser that percent-encodes what it does not like), a
    /// scheme and a non-empty scheme-specific part, and a non-empty host whenever there is an authority (`//`).
    public static func uriProblem(_ uri: String) -> String? {
        switch URIParts.parse(uri) {
        case .success: nil
        case .failure(let problem): problem.reason
        }
    }

    /// A URL with one of `schemes` (lower case; the comparison ignores case) and a host, e.g. a CRL location
    /// clients can fetch or an HTTP check's target.
    public static func urlProblem(_ text: String, schemes: [String]) -> String? {
        let expected = schemes.count > 1
            ? schemes.dropLast().joined(separator: ", ") + " or " + schemes.last! : schemes.first ?? ""
        switch URIParts.parse(text) {
        case .failure(let problem): return problem.reason
        case .success(let parts):
            guard schemes.contains(parts.scheme.lowercased()), parts.host != nil else {
                return "must be an \(expected) URL with a host"
            }
            return nil
        }
    }

    /// A CRL location clients can fetch: http(s) or ldap with a host.
    public static func crlURLProblem(_ uri: String) -> String? {
        urlProblem(uri, schemes: ["http", "https", "ldap"])
    }

    private static func isLDH(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x2D
    }
}
