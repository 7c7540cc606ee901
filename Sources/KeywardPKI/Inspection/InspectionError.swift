/// A certificate parsed as X.509 but one of its extensions is malformed.
public struct InspectionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Dotted OID of the offending extension.
    public var extensionOID: String
    public var reason: String

    public init(extensionOID: String, reason: String) {
        self.extensionOID = extensionOID
        self.reason = reason
    }

    public var description: String { "malformed certificate extension \(extensionOID): \(reason)" }
}
