import Foundation
import KeywardCore

/// Dynamic updates (RFC 2136) of TXT records, signed with TSIG, against one primary nameserver. With a key, every
/// answer must carry a valid signature from the same key before it counts as done; without one (a server that
/// authorises updates by address) updates go unsigned.
public struct RFC2136Updater: Sendable {
    public let server: DNSServerAddress
    public let signer: TSIGSigner?
    public let transport: DNSTransport
    private let clock: any WallClock

    public init(server: DNSServerAddress, key: TSIGKey?, transport: DNSTransport, clock: any WallClock = SystemClock()) {
        self.server = server
        self.signer = key.map { TSIGSigner(key: $0) }
        self.transport = transport
        self.clock = clock
    }

    /// Adds one TXT record (an existing RRset at `name` keeps its other records: two challenges for one name,
    /// as a certificate for `example.test` and `*.example.test` has, need both).
    public func addTXT(_ name: DNSName, value: String, ttl: UInt32 = 60, zone: DNSName) async throws(DNSUpdateError) {
        try await update(zone: zone, [DNSResourceRecord(name: name, type: .txt, ttl: ttl, data: .txt(value))])
    }

    /// Deletes the one TXT record with `value` (RFC 2136 §2.5.4: class NONE); deleting an absent record succeeds.
    public func removeTXT(_ name: DNSName, value: String, zone: DNSName) async throws(DNSUpdateError) {
        try await update(zone: zone, [DNSResourceRecord(name: name, type: .txt, dnsClass: .none, ttl: 0, data: .txt(value))])
    }

    /// Deletes every TXT record at `name` (RFC 2136 §2.5.2: class ANY, empty data).
    public func removeTXTRRset(_ name: DNSName, zone: DNSName) async throws(DNSUpdateError) {
        try await update(zone: zone, [DNSResourceRecord(name: name, type: .txt, dnsClass: .any, ttl: 0, data: .raw([]))])
    }

    /// Sends one signed UPDATE of `zone` with `records` in its update section and checks the signed answer.
    public func update(zone: DNSName, _ records: [DNSResourceRecord]) async throws(DNSUpdateError) {
        let message = DNSMessage(header: DNSHeader(id: UInt16.random(in: .min ... .max), opcode: .update),
                                 questions: [DNSQuestion(name: zone, type: .soa)], authorities: records)
        let signed = signer?.sign(message, at: now)
        let bytes = try await transport.exchange(signed?.bytes ?? message.encoded(), with: server)
        let response: DNSMessage
        do { response = try DNSMessage(decoding: bytes) } catch { throw .malformedResponse(server: server.description, error) }
        guard response.header.isResponse, response.header.id == message.header.id,
            response.header.opcode == DNSOpcode.update.rawValue,
            response.questions.isEmpty || response.questions == message.questions
        else { throw .unexpectedResponse(server: server.description, detail: "the answer is not for the update of \(zone)") }
        let code = response.header.responseCode
        // An unsigned error answer is reported as the error it claims (believing a failure costs nothing);
        // success is believed only with a valid signature.
        if let signer, let signed, response.signature != nil || code == .noError {
            try signer.verify(response, bytes: bytes, requestMAC: signed.mac, now: now, server: server.description)
        }
        switch code {
        case .noError: return
        case .refused: throw .refused(server: server.description, zone: zone.description)
        case .notAuth: throw .notAuthoritative(server: server.description, zone: zone.description)
        case .notZone: throw .notZone(server: server.description, zone: zone.description)
        default: throw .serverError(server: server.description, code: code)
        }
    }

    private var now: UInt64 { UInt64(max(0, clock.now.timeIntervalSince1970)) }
}
