/// A resource record of any section.
public struct DNSResourceRecord: Sendable, Hashable {
    public var name: DNSName
    public var type: DNSRecordType
    public var dnsClass: DNSClass
    public var ttl: UInt32
    public var data: DNSRecordData

    public init(name: DNSName, type: DNSRecordType, dnsClass: DNSClass = .internet, ttl: UInt32, data: DNSRecordData) {
        self.name = name
        self.type = type
        self.dnsClass = dnsClass
        self.ttl = ttl
        self.data = data
    }

    func write(to writer: inout DNSWireWriter) {
        writer.writeName(name)
        writer.writeUInt16(type.rawValue)
        writer.writeUInt16(dnsClass.rawValue)
        writer.writeUInt32(ttl)
        var rdata = DNSWireWriter()
        data.write(to: &rdata)
        writer.writeUInt16(UInt16(rdata.bytes.count))
        writer.writeBytes(rdata.bytes)
    }

    static func read(from reader: inout DNSWireReader) throws(DNSWireError) -> DNSResourceRecord {
        let name = try reader.readName()
        let type = DNSRecordType(rawValue: try reader.readUInt16())
        let dnsClass = DNSClass(rawValue: try reader.readUInt16())
        let ttl = try reader.readUInt32()
        let length = Int(try reader.readUInt16())
        let data = try DNSRecordData.read(type: type, length: length, from: &reader)
        return DNSResourceRecord(name: name, type: type, dnsClass: dnsClass, ttl: ttl, data: data)
    }
}
