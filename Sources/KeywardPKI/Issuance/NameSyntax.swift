import Foundation

/// Syntax checks for the names a certificate carries. Strict on purpose: anything a TLS client or linter would
/// reject is better refused at admission time than discovered after issuance.
enum NameSyntax {
    /// An LDH hostname (RFC 1123), optionally with a single leading `*.` wildcard label (RFC 6125 6.4.3).
    /// Internationalised names must arrive as A-labels (`xn--`), because SAN dNSName is IA5String.
    static func dnsNameProblem(_ name: String, allowWildcard: Bool = true) -> String? {
        guard !name.isEmpty else { return "must not be empty" }
        guard name.utf8.count <= 253 else { return "longer than 253 characters" }
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

    static func emailProblem(_ address: String) -> String? {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return "must have the form local-part@domain" }
        guard parts[0].utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return "local part must be printable ASCII without spaces"
        }
        guard parts[0].utf8.count <= 64 else { return "local part longer than 64 characters" }
        if let problem = dnsNameProblem(String(parts[1]), allowWildcard: false) { return "domain \(problem)" }
        return nil
    }

    /// An absolute URI with a scheme, in ASCII (uniformResourceIdentifier is IA5String).
    static func uriProblem(_ uri: String) -> String? {
        guard !uri.isEmpty else { return "must not be empty" }
        guard uri.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return "must be ASCII without spaces (percent-encode other characters)"
        }
        guard let url = URL(string: uri), let scheme = url.scheme, !scheme.isEmpty else {
            return "must be an absolute URI with a scheme"
        }
        return nil
    }

    /// A CRL location clients can fetch: http(s) or ldap with a host.
    static func crlURLProblem(_ uri: String) -> String? {
        if let problem = uriProblem(uri) { return problem }
        guard let url = URL(string: uri), let scheme = url.scheme?.lowercased(),
            ["http", "https", "ldap"].contains(scheme), let host = url.host, !host.isEmpty
        else {
            return "must be an http, https or ldap URL with a host"
        }
        return nil
    }

    private static func isLDH(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x2D
    }
}
