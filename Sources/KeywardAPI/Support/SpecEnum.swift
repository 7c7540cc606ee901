/// A string-valued spec setting with a closed set of accepted values that still decodes unknown values.
///
/// Keyward decodes what it is given and reports unknown values through `validate()` as InvalidSpec with a field
/// path, rather than failing to decode: a Certificate that cannot be decoded cannot have its status set, and in
/// standalone mode nothing else (no API server schema) stands in front of the decoder.
public protocol SpecEnum: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral where RawValue == String
{
    /// Every accepted value, in documentation order.
    static var allowedValues: [Self] { get }
    init(rawValue: String)
}

extension SpecEnum {
    public var isKnown: Bool { Self.allowedValues.contains(self) }
    public var description: String { rawValue }
    public init(stringLiteral value: String) { self.init(rawValue: value) }

    /// "a, b or c" for error messages.
    static var allowedList: String {
        let names = allowedValues.map { "\"\($0.rawValue)\"" }
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// nil when known, else the reason for a violation.
    var problem: String? { isKnown ? nil : "unsupported value \"\(rawValue)\": must be \(Self.allowedList)" }
}
