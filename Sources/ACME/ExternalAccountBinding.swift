import Foundation

/// The key a CA hands out to bind a new ACME account to an existing customer account (RFC 8555 §7.3.4).
/// Its description shows the key ID only, never the MAC key.
public struct ExternalAccountBinding: Sendable, CustomStringConvertible {
    public let keyID: String
    let macKey: [UInt8]

    /// - Parameter macKeyBase64URL: the MAC key as CAs print it (base64url, padded or not).
    public init(keyID: String, macKeyBase64URL: String) throws(ACMEError) {
        guard !keyID.isEmpty else { throw .invalidKey(detail: "the external account binding has an empty keyID") }
        guard let key = Base64URL.decode(macKeyBase64URL.trimmingCharacters(in: .whitespacesAndNewlines)), !key.isEmpty
        else { throw .invalidKey(detail: "the external account binding MAC key for \(keyID) is not base64url") }
        self.keyID = keyID
        self.macKey = key
    }

    public var description: String { "ExternalAccountBinding(keyID: \(keyID))" }
}
