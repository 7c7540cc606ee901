/// Why a DNS query or update failed. Servers are named as `address:port`; no case ever carries a TSIG secret.
public enum DNSUpdateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The egress policy denies the nameserver's address; nothing was sent.
    case egressDenied(server: String)
    case invalidServerAddress(String)
    case invalidName(String, DNSNameSyntaxError)
    /// No answer after every attempt.
    case timeout(server: String, attempts: Int)
    case connectionFailed(server: String, detail: String)
    case malformedResponse(server: String, DNSWireError)
    /// A well-formed answer that does not answer what was asked (wrong question, opcode, or a stray message).
    case unexpectedResponse(server: String, detail: String)
    /// REFUSED: the server will not do this (no such zone there, or the key's update-policy does not allow it).
    case refused(server: String, zone: String)
    /// NOTAUTH: the server is not authoritative for the zone, or refuses the request's authentication.
    case notAuthoritative(server: String, zone: String)
    /// TSIG BADKEY: the server does not know the key name or algorithm.
    case badKey(server: String, key: String)
    /// TSIG BADSIG: the MAC did not verify, usually a wrong secret.
    case badSignature(server: String, key: String)
    /// TSIG BADTIME: the clocks differ by more than the fudge; `serverTime` is the server's clock in Unix seconds.
    case badTime(server: String, serverTime: UInt64?)
    case notZone(server: String, zone: String)
    /// Any other error RCODE.
    case serverError(server: String, code: DNSResponseCode)
    /// A successful-looking answer to a signed request without a signature: not trusted.
    case responseNotSigned(server: String)
    /// The answer's TSIG does not verify with the key (forged, or signed with another key), or is outside the fudge.
    case responseSignatureInvalid(server: String, detail: String)
    /// No SOA found walking up from the name.
    case zoneNotFound(name: String)
    case noNameservers(zone: String)
    /// A nameserver name with no A or AAAA record.
    case nameserverUnresolvable(String)
    /// The bounded wait for every authoritative nameserver to answer the record ran out.
    case propagationTimeout(name: String, awaiting: [String])

    public var description: String {
        switch self {
        case .egressDenied(let server): "the egress policy denies the nameserver \(server); nothing was sent"
        case .invalidServerAddress(let text): "\"\(text)\" is not a nameserver address (IP or IP:port, [IPv6]:port)"
        case .invalidName(let name, let error): "\"\(name)\" is not a domain name: \(error)"
        case .timeout(let server, let attempts): "no answer from \(server) after \(attempts) attempts"
        case .connectionFailed(let server, let detail): "cannot reach \(server): \(detail)"
        case .malformedResponse(let server, let error): "malformed answer from \(server): \(error)"
        case .unexpectedResponse(let server, let detail): "unexpected answer from \(server): \(detail)"
        case .refused(let server, let zone): "\(server) answered REFUSED for \(zone) (not a zone it serves, or the key's update policy does not allow the change)"
        case .notAuthoritative(let server, let zone): "\(server) is not authoritative for zone \(zone) or did not accept the request's authentication (NOTAUTH)"
        case .badKey(let server, let key): "\(server) does not know the TSIG key \(key) with that algorithm (BADKEY)"
        case .badSignature(let server, let key): "\(server) rejected the signature made with TSIG key \(key) (BADSIG: wrong secret?)"
        case .badTime(let server, let time): "\(server) rejected the request's time (BADTIME)" + (time.map { ", server time \($0)" } ?? "")
        case .notZone(let server, let zone): "\(server): the name is outside zone \(zone) (NOTZONE)"
        case .serverError(let server, let code): "\(server) answered \(code)"
        case .responseNotSigned(let server): "\(server) answered a signed request without a TSIG signature"
        case .responseSignatureInvalid(let server, let detail): "the TSIG signature on the answer from \(server) is invalid: \(detail)"
        case .zoneNotFound(let name): "no zone (SOA) found for \(name)"
        case .noNameservers(let zone): "zone \(zone) has no NS records"
        case .nameserverUnresolvable(let name): "nameserver \(name) has no address"
        case .propagationTimeout(let name, let awaiting): "the TXT record \(name) is not yet answered by \(awaiting.joined(separator: ", "))"
        }
    }
}
