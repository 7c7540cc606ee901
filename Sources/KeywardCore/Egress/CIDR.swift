/// An address range in CIDR notation (`169.254.0.0/16`, `fe80::/10`); a bare address is a single-host range.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "\"\(text)\": \(reason)" }
    }

    /// The network address with every host bit cleared.
    public let network: IPAddress
    public let prefixLength: Int

    public init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else {
            throw ParseError(text: text, reason: "not an IPv4 or IPv6 address (expected e.g. 10.0.0.0/8 or fd00::/8)")
        }
        // Written as IPv6 (an IPv4-mapped one included), the prefix counts IPv6 bits.
        let bits = parts[0].contains(":") ? 128 : 32
        var length = bits
        if parts.count == 2 {
            // Digits only: Int("+8") would accept a sign.
            guard !parts[1].isEmpty, parts[1].count <= 3, parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  let value = Int(parts[1]), value <= bits else {
                throw ParseError(text: text, reason: "prefix length must be 0-\(bits)")
            }
            length = value
        }
        // An IPv4-mapped IPv6 range (::ffff:0:0/96 and longer) is the IPv4 range it maps.
        if address.isIPv4, parts[0].contains(":") {
            guard length >= 96 else { throw ParseError(text: text, reason: "an IPv4-mapped range needs a prefix of at least 96") }
            length -= 96
        }
        self.init(address: address, prefixLength: length)
    }

    /// `prefixLength` is clamped to the address's bit count; host bits are cleared.
    public init(address: IPAddress, prefixLength: Int) {
        let bits = address.bytes.count * 8
        let length = min(max(prefixLength, 0), bits)
        var bytes = address.bytes
        for i in bytes.indices {
            let keep = min(max(length - i * 8, 0), 8)
            bytes[i] &= keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
        network = IPAddress(bytes: bytes)!
        self.prefixLength = length
    }

    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == network.bytes.count else { return false }
        return CIDR(address: address, prefixLength: prefixLength).network == network
    }

    public var description: String { "\(network)/\(prefixLength)" }
}
