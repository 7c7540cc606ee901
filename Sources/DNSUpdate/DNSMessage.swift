/// A whole DNS message: header and the four sections (in an UPDATE: zone, prerequisites, updates, additional).
public struct DNSMessage: Sendable, Hashable {
    public static let headerLength = 12
    public static let maxLength = 65535

    public var header: DNSHeader
    public var questions: [DNSQuestion]
    public var answers: [DNSResourceRecord]
    public var authorities: [DNSResourceRecord]
    public var additionals: [DNSResourceRecord]

    /// Where the trailing TSIG record starts in the bytes this message was decoded from (nil when unsigned): what
    /// the signature covers ends there.
    public private(set) var signatureOffset: Int?

    public init(header: DNSHeader, questions: [DNSQuestion] = [], answers: [DNSResourceRecord] = [],
                authorities: [DNSResourceRecord] = [], additionals: [DNSResourceRecord] = []) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
    }

    /// The TSIG record, when the message ends with one.
    public var signature: TSIGRecord? {
        guard let last = additionals.last, case .tsig(let record) = last.data else { return nil }
        return record
    }

    /// The TSIG record's owner: the key name.
    public var signatureKeyName: DNSName? {
        guard let last = additionals.last, last.type == .tsig else { return nil }
        return last.name
    }

    public func encoded() -> [UInt8] {
        var writer = DNSWireWriter()
        writer.writeUInt16(header.id)
        writer.writeUInt16(header.flags)
        for count in [questions.count, answers.count, authorities.count, additionals.count] {
            writer.writeUInt16(UInt16(clamping: count))
        }
        for question in questions {
            writer.writeName(question.name)
            writer.writeUInt16(question.type.rawValue)
            writer.writeUInt16(question.dnsClass.rawValue)
        }
        for record in answers + authorities + additionals { record.write(to: &writer) }
        return writer.bytes
    }

    /// Decodes `bytes` completely or throws: hostile input (pointer loops, counts beyond the message, lengths past
    /// the end, trailing garbage is tolerated as DNS servers sometimes pad) never traps or loops.
    public init(decoding bytes: [UInt8]) throws(DNSWireError) {
        guard bytes.count <= Self.maxLength else { throw .messageTooLong(bytes.count) }
        var reader = DNSWireReader(bytes)
        let id = try reader.readUInt16()
        let flags = try reader.readUInt16()
        let counts = [Int(try reader.readUInt16()), Int(try reader.readUInt16()), Int(try reader.readUInt16()),
                      Int(try reader.readUInt16())]
        // A question takes at least 5 octets and a record at least 11: refuse counts that cannot fit before
        // reading any of them.
        let minimum = counts[0] * 5 + (counts[1] + counts[2] + counts[3]) * 11
        guard minimum <= reader.remaining else {
            throw .countExceedsMessage(count: counts.reduce(0, +), bytes: bytes.count)
        }
        header = DNSHeader(id: id, flags: flags)
        questions = []
        for _ in 0..<counts[0] {
            let name = try reader.readName()
            let type = DNSRecordType(rawValue: try reader.readUInt16())
            let dnsClass = DNSClass(rawValue: try reader.readUInt16())
            questions.append(DNSQuestion(name: name, type: type, dnsClass: dnsClass))
        }
        func records(_ count: Int, _ reader: inout DNSWireReader) throws(DNSWireError) -> [DNSResourceRecord] {
            var records: [DNSResourceRecord] = []
            for _ in 0..<count { records.append(try DNSResourceRecord.read(from: &reader)) }
            return records
        }
        answers = try records(counts[1], &reader)
        authorities = try records(counts[2], &reader)
        additionals = []
        for index in 0..<counts[3] {
            let start = reader.offset
            let record = try DNSResourceRecord.read(from: &reader)
            if record.type == .tsig {
                guard index == counts[3] - 1 else { throw .misplacedSignature }
                signatureOffset = start
            }
            additionals.append(record)
        }
        if answers.contains(where: { $0.type == .tsig }) || authorities.contains(where: { $0.type == .tsig }) {
            throw .misplacedSignature
        }
    }
}
