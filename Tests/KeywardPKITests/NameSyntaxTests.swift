import KeywardPKI
import Testing

/// SAN and URL syntax. The URI cases are where KeywardAPI's old copy of these rules and this module's (which leaned
/// on Foundation's URL parser) disagreed, or where both were more lenient than RFC 3986 and RFC 5280 4.2.1.6.
@Suite("Name syntax")
struct NameSyntaxTests {
    @Test("valid URIs pass", arguments: [
        "spiffe://cluster.local/ns/default/sa/api",
        "https://app.example.com/identity",
        "https://user:pw@app.example.com:8443/a/b;c=d?x=1&y=%2F#frag?ment/",
        "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
        "mailto:ops@example.com",
        "ldap://[2001:db8::1]:389/cn=crl",
        "http://[v7.fe80::1-eth0]/",
        "x-custom+v1.2:opaque",
        "HTTPS://EXAMPLE.COM",
    ])
    func validURIs(uri: String) {
        #expect(NameSyntax.uriProblem(uri) == nil)
    }

    @Test("invalid URIs are refused with a reason", arguments: [
        // Nothing after the scheme: RFC 3986 allows an empty path, RFC 5280 requires a scheme-specific part.
        ("urn:", "nothing after"),
        ("spiffe:", "nothing after"),
        // A scheme must start with a letter and hold only letters, digits, '+', '-' and '.'.
        ("1http://example.com", "absolute URI"),
        ("my_scheme:x", "absolute URI"),
        (":no-scheme", "absolute URI"),
        ("relative/path", "absolute URI"),
        // Characters RFC 3986 excludes, which a lenient URL parser would silently percent-encode.
        ("https://example.com/{id}", "'{'"),
        ("https://example.com/a|b", "'|'"),
        ("https://example.com/a\\b", "'\\'"),
        ("https://example.com/\"q\"", "'\"'"),
        ("https://example.com/a^b", "'^'"),
        ("https://example.com/`", "'`'"),
        ("https://exa<mple.com/", "'<'"),
        ("https://example.com/[x]", "'['"),
        // Broken escapes.
        ("https://example.com/%zz", "'%'"),
        ("https://example.com/%4", "'%'"),
        // An authority without a host (RFC 5280: a URI with an authority names a host).
        ("http://", "without a host"),
        ("http:///path", "without a host"),
        ("file:///etc/hosts", "without a host"),
        ("https://user@:443/", "without a host"),
        // Malformed authorities and fragments.
        ("https://[not-an-ip]/", "not an IPv6"),
        ("https://[::1/", "closing ']'"),
        ("https://[::1]x/", "port"),
        ("https://example.com:8o/", "port"),
        ("https://example.com/#a#b", "'#' more than once"),
        ("https://exa mple.com", "ASCII without spaces"),
        ("https://bücher.example", "ASCII without spaces"),
        ("", "empty"),
    ])
    func invalidURIs(uri: String, expected: String) throws {
        let problem = try #require(NameSyntax.uriProblem(uri), "\(uri) was accepted")
        #expect(problem.contains(expected), "\(uri): \(problem)")
    }

    @Test("URLs need one of the schemes and a host")
    func urls() {
        #expect(NameSyntax.urlProblem("https://crl.example.com/ca.crl", schemes: ["http", "https"]) == nil)
        #expect(NameSyntax.urlProblem("HTTP://crl.example.com", schemes: ["http"]) == nil)
        #expect(NameSyntax.urlProblem("ftp://crl.example.com/ca.crl", schemes: ["http", "https"])
                == "must be an http or https URL with a host")
        #expect(NameSyntax.urlProblem("urn:example:crl", schemes: ["http", "https", "ldap"])
                == "must be an http, https or ldap URL with a host")
        #expect(NameSyntax.crlURLProblem("ldap://[2001:db8::1]/cn=CA") == nil)
        #expect(NameSyntax.crlURLProblem("file:///crl")?.contains("without a host") == true)
    }

    @Test("DNS names, emails and IP addresses")
    func otherNames() {
        #expect(NameSyntax.dnsNameProblem("*.example.com") == nil)
        #expect(NameSyntax.dnsNameProblem("*.example.com", allowWildcard: false) != nil)
        #expect(NameSyntax.dnsNameProblem("a..example.com") == "has an empty label")
        #expect(NameSyntax.emailProblem("ops@example.com") == nil)
        #expect(NameSyntax.emailProblem("ops@*.example.com")?.hasPrefix("has an invalid domain") == true)
        #expect(NameSyntax.emailProblem("ops@") != nil)
        #expect(NameSyntax.ipAddressProblem("2001:db8::1") == nil)
        #expect(NameSyntax.ipAddressProblem("10.0.0.0/8") != nil)
    }
}
