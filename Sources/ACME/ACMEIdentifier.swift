/// An order's identifier (RFC 8555 §7.1.3); Keyward orders `dns` names (wildcards included) and `ip` addresses.
public struct ACMEIdentifier: Sendable, Hashable, Codable, CustomStringConvertible {
    public var type: String
    public var value: String

    public init(type: String, value: String) {
        self.type = type
        self.value = value
    }

    public static func dns(_ name: String) -> ACMEIdentifier { ACMEIdentifier(type: "dns", value: name) }
    public static func ip(_ address: String) -> ACMEIdentifier { ACMEIdentifier(type: "ip", value: address) }

    public var description: String { "\(type):\(value)" }
}
