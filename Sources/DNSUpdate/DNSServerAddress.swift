import Foundation
import KeywardCore

/// A nameserver's IP address and port. Only literal addresses: a tenant's nameserver is checked against the
/// egress policy before any packet is sent, and a name would need a lookup first.
public struct DNSServerAddress: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    public let port: Int

    public init(address: IPAddress, port: Int = 53) {
        self.address = address
        self.port = port
    }

    /// Parses `IP`, `IP:port`, `[IPv6]` or `[IPv6]:port` (a bare IPv6 address has no port); port 53 by default.
    public init(parsing text: String) throws(DNSUpdateError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var host = Substring(trimmed)
        var port = 53
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else { throw .invalidServerAddress(text) }
            host = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            let rest = trimmed[trimmed.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let value = Int(rest.dropFirst()) else { throw .invalidServerAddress(text) }
                port = value
            }
        } else if trimmed.filter({ $0 == ":" }).count == 1, let colon = trimmed.firstIndex(of: ":") {
            host = trimmed[..<colon]
            guard let value = Int(trimmed[trimmed.index(after: colon)...]) else { throw .invalidServerAddress(text) }
            port = value
        }
        guard (1...65535).contains(port), let address = IPAddress(String(host)) else { throw .invalidServerAddress(text) }
        self.init(address: address, port: port)
    }

    public var description: String { address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)" }
}
