/// Signs requests and verifies responses with a TSIG key (RFC 8945 §4.3 and §5.3).
public struct TSIGSigner: Sendable {
    public let key: TSIGKey
    /// Permitted clock skew, seconds (RFC 8945 recommends 300).
    public let fudge: UInt16

    public init(key: TSIGKey, fudge: UInt16 = 300) {
        self.key = key
        self.fudge = fudge
    }

    /// The request bytes with a TSIG record appended, and the request MAC the response's MAC covers.
    public func sign(_ message: DNSMessage, at time: UInt64) -> (bytes: [UInt8], mac: [UInt8]) {
        var unsigned = message
        unsigned.additionals.removeAll { $0.type == .tsig }
        let body = unsigned.encoded()
        let mac = key.algorithm.mac(body + variables(time: time, error: .noError, other: []), secret: key.secret)
        var signed = unsigned
        signed.additionals.append(DNSResourceRecord(
            name: key.name, type: .tsig, dnsClass: .any, ttl: 0,
            data: .tsig(TSIGRecord(algorithm: key.algorithm.domainName, timeSigned: time, fudge: fudge, mac: mac,
                                   originalID: message.header.id))))
        return (signed.encoded(), mac)
    }

    /// Checks the TSIG of `response` (decoded from `bytes`) against the request MAC, then maps a TSIG error to its
    /// typed failure. Returns normally only for a response signed with this key within the fudge. `server` names
    /// the nameserver in errors.
    public func verify(_ response: DNSMessage, bytes: [UInt8], requestMAC: [UInt8], now: UInt64,
                       server: String) throws(DNSUpdateError) {
        guard let tsig = response.signature, let offset = response.signatureOffset else {
            throw .responseNotSigned(server: server)
        }
        // `bytes` must be what `response` was decoded from; anything else cannot verify (and must not trap).
        guard offset >= DNSMessage.headerLength, offset <= bytes.count else {
            throw .responseSignatureInvalid(server: server, detail: "the signature is not where the message says")
        }
        let keyText = key.name.description
        // BADKEY and BADSIG answers are unsigned by definition (the server could not use the key).
        switch tsig.error {
        case .badKey: throw .badKey(server: server, key: keyText)
        case .badSig: throw .badSignature(server: server, key: keyText)
        default: break
        }
        guard response.signatureKeyName == key.name, tsig.algorithm == key.algorithm.domainName else {
            throw .responseSignatureInvalid(server: server, detail: "signed with another key or algorithm")
        }
        var covered = Array(bytes[0..<offset])
        // The MAC covers the message as it was before the TSIG record was added: original ID, one record fewer.
        covered[0] = UInt8(tsig.originalID >> 8)
        covered[1] = UInt8(tsig.originalID & 0xFF)
        let additionalCount = UInt16(covered[10]) << 8 | UInt16(covered[11])
        guard additionalCount > 0 else { throw .responseSignatureInvalid(server: server, detail: "no additional record") }
        covered[10] = UInt8((additionalCount - 1) >> 8)
        covered[11] = UInt8((additionalCount - 1) & 0xFF)
        var digest = DNSWireWriter()
        digest.writeUInt16(UInt16(requestMAC.count))
        digest.writeBytes(requestMAC)
        digest.writeBytes(covered)
        digest.writeBytes(variables(time: tsig.timeSigned, fudge: tsig.fudge, error: tsig.error, other: tsig.otherData))
        guard key.algorithm.verify(tsig.mac, over: digest.bytes, secret: key.secret) else {
            throw .responseSignatureInvalid(server: server, detail: "the MAC does not verify")
        }
        if tsig.error == .badTime { throw .badTime(server: server, serverTime: tsig.serverTime) }
        guard tsig.error == .noError else { throw .serverError(server: server, code: tsig.error) }
        let skew = now > tsig.timeSigned ? now - tsig.timeSigned : tsig.timeSigned - now
        guard skew <= UInt64(tsig.fudge) else {
            throw .responseSignatureInvalid(server: server, detail: "signed \(skew) s away from our clock (fudge \(tsig.fudge) s)")
        }
    }

    /// The TSIG variables appended to the message for the MAC (RFC 8945 §4.3.3).
    private func variables(time: UInt64, fudge: UInt16? = nil, error: DNSResponseCode, other: [UInt8]) -> [UInt8] {
        var writer = DNSWireWriter()
        writer.writeName(key.name.canonical)
        writer.writeUInt16(DNSClass.any.rawValue)
        writer.writeUInt32(0)
        writer.writeName(key.algorithm.domainName)
        writer.writeUInt48(time)
        writer.writeUInt16(fudge ?? self.fudge)
        writer.writeUInt16(error.rawValue)
        writer.writeUInt16(UInt16(other.count))
        writer.writeBytes(other)
        return writer.bytes
    }
}
