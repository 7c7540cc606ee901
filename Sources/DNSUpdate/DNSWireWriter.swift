/// Builds DNS wire bytes. Names are written uncompressed: messages Keyward sends are small, and TSIG covers
/// canonical uncompressed names anyway.
struct DNSWireWriter {
    private(set) var bytes: [UInt8] = []

    mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }

    mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    mutating func writeUInt32(_ value: UInt32) {
        writeUInt16(UInt16(value >> 16))
        writeUInt16(UInt16(value & 0xFFFF))
    }

    /// The low 48 bits of `value`.
    mutating func writeUInt48(_ value: UInt64) {
        writeUInt16(UInt16((value >> 32) & 0xFFFF))
        writeUInt32(UInt32(value & 0xFFFF_FFFF))
    }

    mutating func writeBytes(_ value: [UInt8]) { bytes += value }

    mutating func writeName(_ name: DNSName) { bytes += name.wire }

    /// Overwrites the big-endian 16-bit value at `offset` (the header counts, the ID).
    mutating func patchUInt16(_ value: UInt16, at offset: Int) {
        bytes[offset] = UInt8(value >> 8)
        bytes[offset + 1] = UInt8(value & 0xFF)
    }
}
