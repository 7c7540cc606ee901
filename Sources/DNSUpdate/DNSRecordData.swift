import KeywardCore

/// Typed RDATA for the types Keyward reads; names inside RDATA are decompressed against the whole message.
public enum DNSRecordData: Sendable, Hashable {
    case a(IPAddress)
    case aaaa(IPAddress)
    case ns(DNSName)
    case cname(DNSName)
    case soa(StartOfAuthority)
    /// The record's character-strings (one ACME value is one string).
    case txt([[UInt8]])
    case tsig(TSIGRecord)
    /// Anything else, or an empty RDATA (UPDATE's delete forms).
    case raw([UInt8])

    /// One TXT record holding `text` split into 255-octet character-strings.
    public static func txt(_ text: String) -> DNSRecordData {
        let octets = Array(text.utf8)
        guard !octets.isEmpty else { return .txt([[]]) }
        return .txt(stride(from: 0, to: octets.count, by: 255).map { Array(octets[$0..<min($0 + 255, octets.count)]) })
    }

    /// TXT strings joined, as ACME validation reads them.
    public var text: String? {
        guard case .txt(let strings) = self else { return nil }
        return String(decoding: strings.joined(), as: UTF8.self)
    }

    func write(to writer: inout DNSWireWriter) {
        switch self {
        case .a(let address): writer.writeBytes(address.bytes)
        // IPAddress keeps an IPv4-mapped IPv6 address as IPv4; an AAAA record still needs all 16 octets.
        case .aaaa(let address): writer.writeBytes(address.isIPv4 ? [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF] + address.bytes : address.bytes)
        case .ns(let name), .cname(let name): writer.writeName(name)
        case .soa(let soa):
            writer.writeName(soa.primaryNameserver)
            writer.writeName(soa.responsibleMailbox)
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { writer.writeUInt32(value) }
        case .txt(let strings):
            for string in strings {
                writer.writeUInt8(UInt8(min(string.count, 255)))
                writer.writeBytes(Array(string.prefix(255)))
            }
        case .tsig(let tsig):
            writer.writeName(tsig.algorithm)
            writer.writeUInt48(tsig.timeSigned)
            writer.writeUInt16(tsig.fudge)
            writer.writeUInt16(UInt16(tsig.mac.count))
            writer.writeBytes(tsig.mac)
            writer.writeUInt16(tsig.originalID)
            writer.writeUInt16(tsig.error.rawValue)
            writer.writeUInt16(UInt16(tsig.otherData.count))
            writer.writeBytes(tsig.otherData)
        case .raw(let bytes): writer.writeBytes(bytes)
        }
    }

    /// Reads `length` octets of RDATA of `type` at the reader's position; the reader ends exactly after them.
    static func read(type: DNSRecordType, length: Int, from reader: inout DNSWireReader) throws(DNSWireError) -> DNSRecordData {
        let start = reader.offset
        let end = start + length
        guard length <= reader.remaining else { throw .truncated(offset: start) }
        let malformed = DNSWireError.invalidRecordData(type: type.rawValue, offset: start)
        // Empty RDATA is legal in UPDATE's delete forms and prerequisites, whatever the type.
        if length == 0 { return .raw([]) }
        let data: DNSRecordData
        switch type {
        case .a, .aaaa:
            guard length == (type == .a ? 4 : 16), let address = IPAddress(bytes: try reader.readBytes(length)) else {
                throw malformed
            }
            data = type == .a ? .a(address) : .aaaa(address)
        case .ns: data = .ns(try reader.readName())
        case .cname: data = .cname(try reader.readName())
        case .soa:
            let primary = try reader.readName()
            let mailbox = try reader.readName()
            data = .soa(StartOfAuthority(primaryNameserver: primary, responsibleMailbox: mailbox,
                                         serial: try reader.readUInt32(), refresh: try reader.readUInt32(),
                                         retry: try reader.readUInt32(), expire: try reader.readUInt32(),
                                         minimum: try reader.readUInt32()))
        case .txt:
            var strings: [[UInt8]] = []
            while reader.offset < end {
                let count = Int(try reader.readUInt8())
                guard reader.offset + count <= end else { throw malformed }
                strings.append(try reader.readBytes(count))
            }
            data = .txt(strings)
        case .tsig:
            let algorithm = try reader.readName()
            let timeSigned = try reader.readUInt48()
            let fudge = try reader.readUInt16()
            let mac = try reader.readBytes(Int(try reader.readUInt16()))
            let originalID = try reader.readUInt16()
            let error = DNSResponseCode(rawValue: try reader.readUInt16())
            let other = try reader.readBytes(Int(try reader.readUInt16()))
            data = .tsig(TSIGRecord(algorithm: algorithm, timeSigned: timeSigned, fudge: fudge, mac: mac,
                                    originalID: originalID, error: error, otherData: other))
        default:
            data = .raw(try reader.readBytes(length))
        }
        // A name or field that ran past the declared length (or stopped short of it) is malformed.
        guard reader.offset == end else { throw malformed }
        return data
    }
}
