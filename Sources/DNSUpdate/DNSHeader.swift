/// The fixed 12-octet message header (RFC 1035 §4.1.1) without the section counts, which ``DNSMessage`` derives
/// from its sections.
public struct DNSHeader: Sendable, Hashable {
    public var id: UInt16
    public var isResponse: Bool
    public var opcode: UInt8
    public var isAuthoritative: Bool
    public var isTruncated: Bool
    public var recursionDesired: Bool
    public var recursionAvailable: Bool
    /// The header's four RCODE bits (TSIG errors travel in the TSIG record).
    public var responseCode: DNSResponseCode

    public init(id: UInt16, opcode: DNSOpcode, recursionDesired: Bool = false) {
        self.id = id
        self.isResponse = false
        self.opcode = opcode.rawValue
        self.isAuthoritative = false
        self.isTruncated = false
        self.recursionDesired = recursionDesired
        self.recursionAvailable = false
        self.responseCode = .noError
    }

    var flags: UInt16 {
        var flags = UInt16(opcode & 0x0F) << 11 | (responseCode.rawValue & 0x0F)
        if isResponse { flags |= 0x8000 }
        if isAuthoritative { flags |= 0x0400 }
        if isTruncated { flags |= 0x0200 }
        if recursionDesired { flags |= 0x0100 }
        if recursionAvailable { flags |= 0x0080 }
        return flags
    }

    init(id: UInt16, flags: UInt16) {
        self.id = id
        isResponse = flags & 0x8000 != 0
        opcode = UInt8((flags >> 11) & 0x0F)
        isAuthoritative = flags & 0x0400 != 0
        isTruncated = flags & 0x0200 != 0
        recursionDesired = flags & 0x0100 != 0
        recursionAvailable = flags & 0x0080 != 0
        responseCode = DNSResponseCode(rawValue: flags & 0x000F)
    }
}
