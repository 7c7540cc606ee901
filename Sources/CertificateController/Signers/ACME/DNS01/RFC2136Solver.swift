import DNSUpdate
import Foundation
import KeywardCore

/// The DNS-01 ``ACMEChallengeSolver`` over RFC 2136: `present` adds the TXT record `_acme-challenge.<domain>` (a
/// wildcard's base name) with the challenge's value at the configured primary, signed with the TSIG key;
/// `selfCheck` asks every authoritative nameserver of the zone, once each, whether it answers that value; `cleanup`
/// deletes exactly that value (another challenge's value at the same name, as `example.com` and `*.example.com`
/// have, stays). The nameserver and every authoritative address pass the context's egress policy first.
public struct RFC2136Solver: ACMEChallengeSolver {
    /// Port the zone's authoritative nameservers are asked on. A nameserver at the configured primary's own address
    /// is asked at the primary's port (a server on a non-standard port, as in tests).
    public let authoritativePort: Int
    /// Per UDP attempt and per TCP exchange.
    public let attemptTimeout: Duration
    public let attempts: Int
    /// TTL of the TXT record: short, so a stale value does not outlive a retried challenge.
    public let ttl: UInt32
    private let clock: any WallClock

    public init(authoritativePort: Int = 53, attemptTimeout: Duration = .seconds(3), attempts: Int = 2, ttl: UInt32 = 60,
                clock: any WallClock = SystemClock()) {
        self.authoritativePort = authoritativePort
        self.attemptTimeout = attemptTimeout
        self.attempts = attempts
        self.ttl = ttl
        self.clock = clock
    }

    public var challengeType: ACMEChallengeType { .dns01 }

    public func present(_ challenge: ACMEChallengeTask, context: ACMESolverContext) async throws {
        let target = try await RFC2136Target.resolve(challenge, context: context)
        let updater = updater(target, context: context)
        do {
            let zone = try await lookup(target, context: context).zone(for: target.recordName)
            try await updater.addTXT(target.recordName, value: target.recordValue, ttl: ttl, zone: zone)
        } catch {
            throw Self.solverError(error, action: "adding TXT \(target.recordName)", nameserver: target.nameserver)
        }
    }

    public func selfCheck(_ challenge: ACMEChallengeTask, context: ACMESolverContext) async -> ACMESelfCheck {
        let target: RFC2136Target
        do { target = try await RFC2136Target.resolve(challenge, context: context) } catch {
            return .notReady("\(error)")
        }
        let lookup = lookup(target, context: context)
        let servers: [AuthoritativeServer]
        do {
            let zone = try await lookup.zone(for: target.recordName)
            servers = try await lookup.servers(of: zone).map { server in
                // The primary's own address answers at the primary's port.
                server.address.address == target.nameserver.address
                    ? AuthoritativeServer(name: server.name, address: target.nameserver) : server
            }
        } catch {
            return .notReady("finding the authoritative nameservers of \(target.recordName): \(error)")
        }
        let awaiting = await TXTPropagationCheck(client: lookup.client)
            .awaiting(target.recordName, value: target.recordValue, servers: servers)
        guard awaiting.isEmpty else {
            return .notReady("TXT \(target.recordName) not yet answered by \(awaiting.joined(separator: "; "))")
        }
        return .ready
    }

    public func cleanup(_ challenge: ACMEChallengeTask, context: ACMESolverContext) async throws {
        let target: RFC2136Target
        do { target = try await RFC2136Target.resolve(challenge, context: context) } catch let error as ACMESolverError {
            // A spec that cannot name a nameserver or a record never presented one; a missing Secret must be retried.
            if error.isRetryable { throw error }
            return
        }
        do {
            let zone = try await lookup(target, context: context).zone(for: target.recordName)
            try await updater(target, context: context).removeTXT(target.recordName, value: target.recordValue, zone: zone)
        } catch {
            throw Self.solverError(error, action: "removing TXT \(target.recordName)", nameserver: target.nameserver)
        }
    }

    private func transport(_ context: ACMESolverContext) -> DNSTransport {
        DNSTransport(egress: context.egress, attemptTimeout: attemptTimeout, attempts: attempts)
    }

    private func updater(_ target: RFC2136Target, context: ACMESolverContext) -> RFC2136Updater {
        RFC2136Updater(server: target.nameserver, key: target.key, transport: transport(context), clock: clock)
    }

    /// Zones and nameservers are looked up at the primary itself: it is authoritative for the zone it updates.
    private func lookup(_ target: RFC2136Target, context: ACMESolverContext) -> AuthoritativeLookup {
        AuthoritativeLookup(client: DNSQueryClient(transport: transport(context)), lookupServers: [target.nameserver],
                            authoritativePort: authoritativePort)
    }

    /// A DNS failure in words for the condition; only what a spec or Secret change fixes is not retryable.
    static func solverError(_ error: any Error, action: String, nameserver: DNSServerAddress) -> ACMESolverError {
        guard let error = error as? DNSUpdateError else { return ACMESolverError("\(action) at \(nameserver): \(error)") }
        let retryable: Bool
        switch error {
        case .egressDenied, .invalidServerAddress, .invalidName, .badKey, .badSignature, .refused, .notAuthoritative, .notZone:
            retryable = false
        default:
            retryable = true
        }
        return ACMESolverError("\(action): \(error)", isRetryable: retryable)
    }
}
