/// A domain name as its labels (raw octets, no dots), root excluded.
///
/// Text parsing accepts the presentation form used in configuration (`_acme-challenge.www.example.test`, with or
/// without the final dot); comparison is case-insensitive for ASCII letters as RFC 4343 requires.
public struct DNSName: Sendable, Hashable, CustomStringConvertible {
    /// Longest wire form of a name, root label included (RFC 1035 §2.3.4).
    public static let maxWireLength = 255
    public static let maxLabelLength = 63

    public let labels: [[UInt8]]

    public static let root = DNSName(uncheckedLabels: [])

    init(uncheckedLabels labels: [[UInt8]]) {
        self.labels = labels
    }

    /// From labels; refuses empty or over-long labels and names past 255 octets on the wire.
    public init(labels: [[UInt8]]) throws(DNSNameSyntaxError) {
        for label in labels {
            if label.isEmpty { throw .emptyLabel }
            if label.count > Self.maxLabelLength { throw .labelTooLong(label.count) }
        }
        let wireLength = labels.reduce(1) { $0 + 1 + $1.count }
        if wireLength > Self.maxWireLength { throw .nameTooLong(wireLength) }
        self.labels = labels
    }

    /// Parses dotted text. Only letters, digits, `-`, `_` and `*` are accepted in labels: these names come from
    /// Certificates and issuer specs, never from zone files, so escapes are not supported.
    public init(parsing text: String) throws(DNSNameSyntaxError) {
        var body = Substring(text)
        if body == "." {
            self.init(uncheckedLabels: [])
            return
        }
        if body.hasSuffix(".") { body = body.dropLast() }
        if body.isEmpty { throw .emptyLabel }
        var labels: [[UInt8]] = []
        for part in body.split(separator: ".", omittingEmptySubsequences: false) {
            let octets = Array(part.utf8)
            for octet in octets {
                let allowed = (octet >= 0x30 && octet <= 0x39) || (octet >= 0x41 && octet <= 0x5A)
                    || (octet >= 0x61 && octet <= 0x7A) || octet == 0x2D || octet == 0x5F || octet == 0x2A
                if !allowed { throw .invalidCharacter(String(part)) }
            }
            labels.append(octets)
        }
        try self.init(labels: labels)
    }

    /// Presentation form with a trailing dot (`www.example.test.`); unusual octets are `\DDD`-escaped.
    public var description: String {
        if labels.isEmpty { return "." }
        return labels.map { label in
            label.map { octet -> String in
                let plain = (octet >= 0x30 && octet <= 0x39) || (octet >= 0x41 && octet <= 0x5A)
                    || (octet >= 0x61 && octet <= 0x7A) || octet == 0x2D || octet == 0x5F || octet == 0x2A
                if plain { return String(UnicodeScalar(octet)) }
                let digits = String(octet)
                return "\\" + String(repeating: "0", count: 3 - digits.count) + digits
            }.joined()
        }.joined(separator: ".") + "."
    }

    /// The same name with ASCII letters lowercased: the canonical form TSIG covers (RFC 8945 §4.3.3).
    public var canonical: DNSName {
        DNSName(uncheckedLabels: labels.map { $0.map { ($0 >= 0x41 && $0 <= 0x5A) ? $0 + 0x20 : $0 } })
    }

    /// The name one label up; the root's parent is nil.
    public var parent: DNSName? {
        labels.isEmpty ? nil : DNSName(uncheckedLabels: Array(labels.dropFirst()))
    }

    /// Whether this name equals `ancestor` or lies under it.
    public func isSubdomain(of ancestor: DNSName) -> Bool {
        guard labels.count >= ancestor.labels.count else { return false }
        return DNSName(uncheckedLabels: Array(labels.suffix(ancestor.labels.count))) == ancestor
    }

    /// This name with `label` in front, e.g. `_acme-challenge` + `www.example.test`.
    public func prepending(_ label: String) throws(DNSNameSyntaxError) -> DNSName {
        try DNSName(labels: [Array(label.utf8)] + labels)
    }

    /// Uncompressed wire form.
    public var wire: [UInt8] {
        var bytes: [UInt8] = []
        for label in labels {
            bytes.append(UInt8(label.count))
            bytes += label
        }
        bytes.append(0)
        return bytes
    }

    public static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        lhs.canonical.labels == rhs.canonical.labels
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(canonical.labels)
    }
}
