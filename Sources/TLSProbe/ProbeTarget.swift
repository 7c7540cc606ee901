import KeywardCore
import KeywardPKI

/// Where a probe connects (`host:port`) and the name it asks for there (TLS SNI).
///
/// Tenants write these (`spec.endpoints`), and the text ends up in a libcurl URL and connect-to rule, so only
/// plain host syntax passes: an LDH DNS name, an IPv4 address or a bracketed IPv6 address, and a port 1–65535.
public struct ProbeTarget: Sendable, Hashable, CustomStringConvertible {
    /// DNS name or IP address (IPv6 without brackets).
    public let host: String
    public let port: Int
    /// Sent as SNI unless it is an IP address (TLS has no SNI for addresses); defaults to `host`.
    public let serverName: String

    /// - Parameters:
    ///   - address: `host:port`, `[v6]:port`.
    ///   - serverName: the name to ask for; nil or empty uses the host.
    public init(address: String, serverName: String? = nil) throws(ProbeTargetError) {
        let (host, port) = try Self.split(address)
        self.host = host
        self.port = port
        let name = serverName.flatMap { $0.isEmpty ? nil : $0 } ?? host
        if IPAddress(name) == nil, let problem = NameSyntax.dnsNameProblem(name, allowWildcard: false) {
            throw .invalidServerName(name, problem)
        }
        self.serverName = name
    }

    public var isIPv6: Bool { host.contains(":") }

    /// `host:port` with brackets around an IPv6 host.
    public var address: String { "\(Self.bracketed(host)):\(port)" }

    public var description: String { serverName == host ? address : "\(address) (\(serverName))" }

    /// Whether ``serverName`` is a DNS name (and so goes out as SNI).
    public var sendsServerName: Bool { IPAddress(serverName) == nil }

    static func bracketed(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }

    private static func split(_ address: String) throws(ProbeTargetError) -> (String, Int) {
        guard !address.isEmpty else { throw .invalidAddress(address, "must not be empty") }
        guard address.utf8.count <= 300 else { throw .invalidAddress(String(address.prefix(64)) + "…", "is too long") }
        let host: Substring
        let portText: Substring
        if address.hasPrefix("[") {
            guard let close = address.firstIndex(of: "]") else { throw .invalidAddress(address, "has an unclosed \"[\"") }
            host = address[address.index(after: address.startIndex)..<close]
            let rest = address[address.index(after: close)...]
            guard rest.hasPrefix(":") else { throw .invalidAddress(address, "must end with :port") }
            portText = rest.dropFirst()
            guard host.contains(":"), IPAddress(String(host)) != nil else {
                throw .invalidAddress(address, "holds no IPv6 address between the brackets")
            }
        } else {
            guard let colon = address.lastIndex(of: ":") else { throw .invalidAddress(address, "must have the form host:port") }
            host = address[..<colon]
            portText = address[address.index(after: colon)...]
            guard !host.contains(":") else { throw .invalidAddress(address, "an IPv6 address must be written [address]:port") }
            if IPAddress(String(host)) == nil, let problem = NameSyntax.dnsNameProblem(String(host), allowWildcard: false) {
                throw .invalidAddress(address, "host \(problem)")
            }
        }
        guard portText.count <= 5, portText.allSatisfy(\.isASCII), let port = Int(portText), (1...65535).contains(port) else {
            throw .invalidAddress(address, "port must be a number from 1 to 65535")
        }
        return (String(host), port)
    }
}
