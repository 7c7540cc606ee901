import Foundation

/// Where the operator's HTTP endpoint listens, parsed from `--metrics-address` the way Go's `net.Listen` reads it.
public struct MetricsAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    /// 0 asks the kernel for a free port (tests read the bound port back from ``OperatorHTTPServer``).
    public var port: Int

    public static let defaultValue = ":9465"

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `:port` (all interfaces) or `[v6]:port`. Returns `nil` for "0", which disables the
    /// endpoint as in controller-runtime.
    public init?(parsing text: String) throws(MetricsAddressError) {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text == "0" { return nil }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw .invalid(text, reason: "an IPv6 address needs the form [address]:port")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw .invalid(text, reason: "expected host:port or :port")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { throw .invalid(text, reason: "put IPv6 addresses in brackets: [address]:port") }
        }
        guard let port = Int(portText), (0...65_535).contains(port) else {
            throw .invalid(text, reason: "the port must be a number from 0 to 65535")
        }
        self.init(host: host.isEmpty ? "0.0.0.0" : String(host), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

public enum MetricsAddressError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid(String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let text, let reason): "invalid --metrics-address '\(text)': \(reason)"
        }
    }
}
