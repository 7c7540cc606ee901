/// The parts of an absolute URI that SAN and URL checks need, parsed by RFC 3986's grammar:
///
///     URI       = scheme ":" hier-part [ "?" query ] [ "#" fragment ]
///     hier-part = "//" authority path-abempty / path-absolute / path-rootless / path-empty
///     authority = [ userinfo "@" ] host [ ":" port ]
///
/// Stricter than RFC 3986 where RFC 5280 4.2.1.6 is: the scheme-specific part must not be empty, and a URI with an
/// authority must name a host. Only ASCII is accepted (uniformResourceIdentifier is an IA5String); anything else
/// must be percent-encoded, and every `%` must start a two-hex-digit escape.
struct URIParts: Sendable, Hashable {
    var scheme: String
    /// The host of the authority, without brackets; nil when the URI has no authority (`urn:…`, `mailto:…`).
    var host: String?

    struct Problem: Error, Hashable {
        var reason: String
    }

    static func parse(_ text: String) -> Result<URIParts, Problem> {
        func fail(_ reason: String) -> Result<URIParts, Problem> { .failure(Problem(reason: reason)) }
        guard !text.isEmpty else { return fail("must not be empty") }
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return fail("must be ASCII without spaces (percent-encode other characters)")
        }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0, isAlpha(bytes[0]),
            bytes[..<colon].allSatisfy({ isAlpha($0) || isDigit($0) || "+-.".utf8.contains($0) })
        else {
            return fail("is not an absolute URI: it must start with a scheme (a letter, then letters, digits, "
                + "'+', '-' or '.') and ':'")
        }
        let scheme = String(decoding: bytes[..<colon], as: UTF8.self)
        let rest = bytes[(colon + 1)...]
        guard !rest.isEmpty else { return fail("has nothing after \"\(scheme):\" (RFC 5280 needs a scheme-specific part)") }

        // Query and fragment are pchar / "/" / "?"; the one "#" separates them.
        let hierEnd = rest.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? rest.endIndex
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")), rest[(hash + 1)...].contains(UInt8(ascii: "#")) {
            return fail("contains '#' more than once")
        }
        if let problem = characterProblem(rest[hierEnd...], allowed: pcharExtras + "/?#", part: "query or fragment") {
            return fail(problem)
        }

        var path = rest[rest.startIndex..<hierEnd]
        var host: String?
        if path.starts(with: "//".utf8) {
            let authorityStart = path.startIndex + 2
            let authorityEnd = path[authorityStart...].firstIndex(of: UInt8(ascii: "/")) ?? path.endIndex
            switch parseHost(path[authorityStart..<authorityEnd]) {
            case .success(let name): host = name
            case .failure(let problem): return .failure(problem)
            }
            path = path[authorityEnd...]
        }
        if let problem = characterProblem(path, allowed: pcharExtras + "/", part: "path") { return fail(problem) }
        return .success(URIParts(scheme: scheme, host: host))
    }

    /// `[ userinfo "@" ] host [ ":" port ]` → the host, which must not be empty (RFC 5280).
    private static func parseHost(_ authority: ArraySlice<UInt8>) -> Result<String, Problem> {
        func fail(_ reason: String) -> Result<String, Problem> { .failure(Problem(reason: reason)) }
        var hostPort = authority
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) {
            if let problem = characterProblem(authority[..<at], allowed: subDelims + ":", part: "user information") {
                return fail(problem)
            }
            hostPort = authority[(at + 1)...]
        }
        let host: ArraySlice<UInt8>
        let port: ArraySlice<UInt8>
        if hostPort.first == UInt8(ascii: "[") {
            guard let close = hostPort.firstIndex(of: UInt8(ascii: "]")) else {
                return fail("has an IP literal without its closing ']'")
            }
            let literal = String(decoding: hostPort[(hostPort.startIndex + 1)..<close], as: UTF8.self)
            guard literal.contains(":"), IPAddress.bytes(literal)?.count == 16 || isIPvFuture(literal) else {
                return fail("has \"[\(literal)]\" as host, which is not an IPv6 address")
            }
            let afterLiteral = hostPort[(close + 1)...]
            guard afterLiteral.isEmpty || afterLiteral.first == UInt8(ascii: ":") else {
                return fail("has characters after the IP literal's ']' that are not a port")
            }
            host = hostPort[(hostPort.startIndex + 1)..<close]
            port = afterLiteral.dropFirst()
        } else {
            let colon = hostPort.firstIndex(of: UInt8(ascii: ":")) ?? hostPort.endIndex
            host = hostPort[..<colon]
            port = hostPort[colon...].dropFirst()
            if let problem = characterProblem(host, allowed: subDelims, part: "host") { return fail(problem) }
        }
        guard !host.isEmpty else { return fail("has an authority ('//') without a host (RFC 5280 needs one)") }
        guard port.allSatisfy(isDigit) else { return fail("has a port that is not a number") }
        return .success(String(decoding: host, as: UTF8.self))
    }

    /// `"v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )`
    private static func isIPvFuture(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "v") || bytes.first == UInt8(ascii: "V"),
            let dot = bytes.firstIndex(of: UInt8(ascii: ".")), dot > 1, dot < bytes.count - 1
        else { return false }
        return bytes[1..<dot].allSatisfy(isHex)
            && bytes[(dot + 1)...].allSatisfy { isUnreserved($0) || (subDelims + ":").utf8.contains($0) }
    }

    /// Unreserved characters and percent escapes are allowed everywhere; `allowed` adds the part's delimiters.
    private static func characterProblem(_ part: some Collection<UInt8>, allowed: String, part name: String) -> String? {
        let bytes = Array(part)
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "%") {
                guard i + 2 < bytes.count, isHex(bytes[i + 1]), isHex(bytes[i + 2]) else {
                    return "has a '%' in its \(name) that does not start a two-hex-digit escape"
                }
                i += 3
                continue
            }
            guard isUnreserved(byte) || allowed.utf8.contains(byte) else {
                return "has '\(Character(Unicode.Scalar(byte)))' in its \(name), which RFC 3986 does not allow there "
                    + "(percent-encode it)"
            }
            i += 1
        }
        return nil
    }

    private static let subDelims = "!$&'()*+,;="
    /// What a path segment allows besides unreserved characters and escapes.
    private static let pcharExtras = subDelims + ":@"

    private static func isUnreserved(_ b: UInt8) -> Bool {
        isAlpha(b) || isDigit(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_")
            || b == UInt8(ascii: "~")
    }
    private static func isAlpha(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    private static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66) }
}
