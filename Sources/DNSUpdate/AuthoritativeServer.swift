/// One address of one of a zone's nameservers (a nameserver with an A and an AAAA record is two of these).
public struct AuthoritativeServer: Sendable, Hashable, CustomStringConvertible {
    public let name: DNSName
    public let address: DNSServerAddress

    public init(name: DNSName, address: DNSServerAddress) {
        self.name = name
        self.address = address
    }

    public var description: String { "\(name) (\(address))" }
}
