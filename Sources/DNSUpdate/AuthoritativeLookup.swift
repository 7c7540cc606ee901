import KeywardCore

/// Finds the zone a name belongs to and the addresses of that zone's nameservers, by asking `lookupServers` in
/// order (the RFC 2136 primary itself, or recursive resolvers) until one answers.
public struct AuthoritativeLookup: Sendable {
    public let client: DNSQueryClient
    public let lookupServers: [DNSServerAddress]
    /// Port the authoritative nameservers are asked on: 53, except in tests with a server on another port.
    public let authoritativePort: Int

    public init(client: DNSQueryClient, lookupServers: [DNSServerAddress], authoritativePort: Int = 53) {
        self.client = client
        self.lookupServers = lookupServers
        self.authoritativePort = authoritativePort
    }

    /// The closest enclosing zone of `name`: walks up one label at a time until a server answers with the SOA of
    /// the name itself or, in a negative answer's authority section, of one of its ancestors.
    public func zone(for name: DNSName) async throws(DNSUpdateError) -> DNSName {
        var candidate: DNSName? = name
        var failure: DNSUpdateError?
        var answered = false
        while let current = candidate, !current.labels.isEmpty {
            do {
                let response = try await ask(current, .soa)
                answered = true
                if response.answers.contains(where: { $0.type == .soa && $0.name == current }) { return current }
                if let soa = response.authorities.first(where: { $0.type == .soa && name.isSubdomain(of: $0.name) }) {
                    return soa.name
                }
            } catch {
                // A denied address stays denied one label up, and servers that never answered will not answer one
                // label up either: a name of 127 labels would otherwise cost 127 full timeouts. Other failures
                // (REFUSED: not a zone here) go on.
                if case .egressDenied = error { throw error }
                if case .timeout = error, !answered { throw error }
                failure = error
            }
            candidate = current.parent
        }
        // No server ever answered: that failure says more than "no zone".
        if !answered, let failure { throw failure }
        throw .zoneNotFound(name: name.description)
    }

    /// At most this many NS names of a zone are used (sorted by name), and at most ``maxServers`` addresses.
    public static let maxNameservers = 8
    public static let maxServers = 16

    /// Every address of every NS of `zone` (bounded: ``maxNameservers``, ``maxServers``), from glue in the NS answer
    /// or A/AAAA lookups.
    public func servers(of zone: DNSName) async throws(DNSUpdateError) -> [AuthoritativeServer] {
        let response = try await ask(zone, .ns)
        let names = response.answers.compactMap { record -> DNSName? in
            guard record.name == zone, case .ns(let target) = record.data else { return nil }
            return target
        }
        guard !names.isEmpty else { throw .noNameservers(zone: zone.description) }
        var servers: [AuthoritativeServer] = []
        // A zone has a handful of nameservers; a hostile one can list thousands, each costing lookups and a
        // propagation check.
        for name in Set(names).sorted(by: { $0.description < $1.description }).prefix(Self.maxNameservers) {
            var addresses = Self.addresses(of: name, in: response.additionals)
            if addresses.isEmpty {
                for type in [DNSRecordType.a, .aaaa] {
                    if let answer = try? await ask(name, type) { addresses += Self.addresses(of: name, in: answer.answers) }
                }
            }
            guard !addresses.isEmpty else { throw .nameserverUnresolvable(name.description) }
            servers += addresses.map { AuthoritativeServer(name: name, address: DNSServerAddress(address: $0, port: authoritativePort)) }
        }
        return Array(servers.prefix(Self.maxServers))
    }

    private static func addresses(of name: DNSName, in records: [DNSResourceRecord]) -> [IPAddress] {
        records.compactMap { record in
            guard record.name == name else { return nil }
            switch record.data {
            case .a(let address), .aaaa(let address): return address
            default: return nil
            }
        }
    }

    /// The first answer from the lookup servers; the last error when none answers.
    private func ask(_ name: DNSName, _ type: DNSRecordType) async throws(DNSUpdateError) -> DNSMessage {
        var lastError = DNSUpdateError.zoneNotFound(name: name.description)
        for server in lookupServers {
            do {
                return try await client.query(name, type, at: server, recursionDesired: true)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }
}
