/// Why text or labels do not make a domain name.
public enum DNSNameSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyLabel
    case labelTooLong(Int)
    case nameTooLong(Int)
    case invalidCharacter(String)

    public var description: String {
        switch self {
        case .emptyLabel: "a domain name has an empty label"
        case .labelTooLong(let length): "a domain name label is \(length) octets long (at most 63)"
        case .nameTooLong(let length): "a domain name is \(length) octets long on the wire (at most 255)"
        case .invalidCharacter(let label): "the label \"\(label)\" has a character other than letters, digits, '-', '_' or '*'"
        }
    }
}
