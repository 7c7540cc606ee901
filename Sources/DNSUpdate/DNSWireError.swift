/// Why bytes received from a DNS server are not a well-formed message. Every case names where decoding stopped, so
/// a hostile or broken server's answer is reported, never trusted in part.
public enum DNSWireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message ended inside a field.
    case truncated(offset: Int)
    /// A compression pointer at `offset` does not point strictly backwards (loops and forward jumps are refused).
    case invalidPointer(offset: Int)
    /// A label type other than a plain label or a pointer (RFC 6891 retired the extended types).
    case invalidLabelType(offset: Int)
    /// A name longer than 255 octets once decompressed.
    case nameTooLong(offset: Int)
    /// The section counts announce more entries than the message has room for.
    case countExceedsMessage(count: Int, bytes: Int)
    /// A record's data does not fit its declared length or its type's layout.
    case invalidRecordData(type: UInt16, offset: Int)
    /// A TSIG record that is not the last record of the additional section.
    case misplacedSignature
    /// A message longer than DNS allows (65535 octets).
    case messageTooLong(Int)

    public var description: String {
        switch self {
        case .truncated(let offset): "the message ends inside a field at offset \(offset)"
        case .invalidPointer(let offset): "the compression pointer at offset \(offset) does not point backwards"
        case .invalidLabelType(let offset): "unknown label type at offset \(offset)"
        case .nameTooLong(let offset): "the name at offset \(offset) is longer than 255 octets"
        case .countExceedsMessage(let count, let bytes): "the header announces \(count) entries in \(bytes) octets"
        case .invalidRecordData(let type, let offset): "the data of a type \(type) record at offset \(offset) is malformed"
        case .misplacedSignature: "a TSIG record is not the last record of the message"
        case .messageTooLong(let length): "the message is \(length) octets long (at most 65535)"
        }
    }
}
