/// Which addresses an outbound connection a tenant can aim (verification requests, probes, webhooks, ACME) may
/// reach. An address on the allow list is reachable; otherwise one on the deny list is not; anything else is.
///
/// The check belongs at the point of connection, on the address actually connected to (after DNS), so a name that
/// resolves differently on a second lookup (DNS rebinding) cannot slip past it.
public struct EgressPolicy: Sendable, Hashable {
    /// Loopback, link-local (where clouds serve instance metadata: 169.254.169.254, fd00:ec2::254 aside) and the
    /// unspecified / "this network" addresses, which Linux connects to the local host.
    public static let defaultDeny: [CIDR] = [
        "127.0.0.0/8", "::1/128", "169.254.0.0/16", "fe80::/10", "0.0.0.0/8", "::/128",
    ].map { try! CIDR(parsing: $0) }

    public enum Decision: Sendable, Hashable {
        case allowed
        /// Denied by this deny entry.
        case denied(CIDR)
    }

    public var deny: [CIDR]
    public var allow: [CIDR]

    /// - Parameters:
    ///   - deny: denied in addition to ``defaultDeny``.
    ///   - allow: reachable even when a deny entry covers them.
    ///   - ownAddresses: the operator's own pod addresses (its metrics and health endpoint), denied as single hosts.
    public init(deny: [CIDR] = [], allow: [CIDR] = [], ownAddresses: [IPAddress] = []) {
        self.deny = Self.defaultDeny + deny + ownAddresses.map { CIDR(address: $0, prefixLength: $0.bytes.count * 8) }
        self.allow = allow
    }

    /// No restriction at all: for connections the operator's own configuration aims (the Kubernetes API).
    public static let unrestricted = EgressPolicy(rawDeny: [], allow: [])

    private init(rawDeny: [CIDR], allow: [CIDR]) {
        self.deny = rawDeny
        self.allow = allow
    }

    public func decision(for address: IPAddress) -> Decision {
        if allow.contains(where: { $0.contains(address) }) { return .allowed }
        if let entry = deny.first(where: { $0.contains(address) }) { return .denied(entry) }
        return .allowed
    }

    public func allows(_ address: IPAddress) -> Bool { decision(for: address) == .allowed }

    /// The pod's own addresses from the environment the chart sets (`POD_IP`, and `POD_IPS` comma-separated for
    /// dual stack); entries that are not addresses are ignored.
    public static func ownAddresses(environment: [String: String]) -> [IPAddress] {
        let texts = [environment["POD_IP"]] + (environment["POD_IPS"]?.split(separator: ",").map(String.init) ?? [])
        var seen = Set<IPAddress>()
        return texts.compactMap { $0.flatMap { IPAddress($0.trimmingWhitespace) } }.filter { seen.insert($0).inserted }
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
