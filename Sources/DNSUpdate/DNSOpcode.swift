/// The header's OPCODE: a standard query or a dynamic update (RFC 2136).
public enum DNSOpcode: UInt8, Sendable, Hashable {
    case query = 0
    case update = 5
}
