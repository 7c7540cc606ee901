/// Bounded reading of a DNS message: every read checks the remaining length, and names follow compression
/// pointers only strictly backwards, so no input can loop, trap or read outside the buffer.
struct DNSWireReader {
    let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    mutating func readUInt8() throws(DNSWireError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16() throws(DNSWireError) -> UInt16 {
        guard remaining >= 2 else { throw .truncated(offset: offset) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func readUInt32() throws(DNSWireError) -> UInt32 {
        let high = try readUInt16()
        let low = try readUInt16()
        return UInt32(high) << 16 | UInt32(low)
    }

    /// A 48-bit unsigned integer (TSIG's time signed).
    mutating func readUInt48() throws(DNSWireError) -> UInt64 {
        let high = try readUInt16()
        let low = try readUInt32()
        return UInt64(high) << 32 | UInt64(low)
    }

    mutating func readBytes(_ count: Int) throws(DNSWireError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .truncated(offset: offset) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// A possibly compressed name. Each pointer must point before the start of the label sequence that contains it,
    /// which makes loops impossible; the decompressed length is capped at 255 octets.
    mutating func readName() throws(DNSWireError) -> DNSName {
        let start = offset
        var labels: [[UInt8]] = []
        var wireLength = 1
        var cursor = offset
        var sequenceStart = offset
        var jumped = false
        while true {
            guard cursor < bytes.count else { throw .truncated(offset: cursor) }
            let length = bytes[cursor]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    if !jumped { offset = cursor + 1 }
                    return DNSName(uncheckedLabels: labels)
                }
                let count = Int(length)
                guard cursor + 1 + count <= bytes.count else { throw .truncated(offset: cursor) }
                wireLength += 1 + count
                guard wireLength <= DNSName.maxWireLength else { throw .nameTooLong(offset: start) }
                labels.append(Array(bytes[cursor + 1..<cursor + 1 + count]))
                cursor += 1 + count
            case 0xC0:
                guard cursor + 1 < bytes.count else { throw .truncated(offset: cursor) }
                let target = Int(length & 0x3F) << 8 | Int(bytes[cursor + 1])
                guard target < sequenceStart else { throw .invalidPointer(offset: cursor) }
                if !jumped { offset = cursor + 2 }
                jumped = true
                cursor = target
                sequenceStart = target
            default:
                throw .invalidLabelType(offset: cursor)
            }
        }
    }
}
