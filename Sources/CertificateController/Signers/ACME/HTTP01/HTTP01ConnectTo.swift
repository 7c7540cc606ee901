/// Where the HTTP-01 self-check connects for a name, in curl's `--connect-to HOST1:PORT1:HOST2:PORT2` form
/// (`--acme-http01-self-check-connect-to`): split-horizon DNS, or a test whose names only the CA's resolver knows.
/// An empty HOST1 matches every name; the request still carries the original `Host`.
public struct HTTP01ConnectTo: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var targetHost: String
    public var targetPort: Int

    public init(host: String, port: Int, targetHost: String, targetPort: Int) {
        self.host = host
        self.port = port
        self.targetHost = targetHost
        self.targetPort = targetPort
    }

    /// Parses `HOST1:PORT1:HOST2:PORT2` (IPv6 addresses in brackets).
    public init?(parsing text: String) {
        var parts: [String] = []
        var current = "", bracketed = false
        for character in text {
            switch character {
            case "[": bracketed = true
            case "]": bracketed = false
            case ":" where !bracketed: parts.append(current); current = ""
            default: current.append(character)
            }
        }
        parts.append(current)
        guard parts.count == 4, let port = Int(parts[1]), let targetPort = Int(parts[3]), !parts[2].isEmpty,
              (1...65_535).contains(port), (1...65_535).contains(targetPort)
        else { return nil }
        self.init(host: parts[0].lowercased(), port: port, targetHost: parts[2], targetPort: targetPort)
    }

    func matches(host: String, port: Int) -> Bool { (self.host.isEmpty || self.host == host.lowercased()) && self.port == port }

    public var description: String {
        func bracket(_ h: String) -> String { h.contains(":") ? "[\(h)]" : h }
        return "\(bracket(host)):\(port):\(bracket(targetHost)):\(targetPort)"
    }
}
