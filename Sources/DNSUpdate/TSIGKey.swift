import Foundation

/// A TSIG key: its name (shared with the server's `key` statement), algorithm and secret. The secret never
/// appears in `description`, errors or logs.
public struct TSIGKey: Sendable, CustomStringConvertible {
    public let name: DNSName
    public let algorithm: TSIGAlgorithm
    /// Raw secret octets (kept as bytes: swift-crypto's SymmetricKey is not Sendable).
    let secret: [UInt8]

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case invalidName(String, DNSNameSyntaxError)
        case secretNotBase64
        case emptySecret

        public var description: String {
            switch self {
            case .invalidName(let name, let error): "the TSIG key name \"\(name)\" is not a domain name: \(error)"
            case .secretNotBase64: "the TSIG secret is not base64"
            case .emptySecret: "the TSIG secret is empty"
            }
        }
    }

    public init(name: DNSName, algorithm: TSIGAlgorithm, secret: [UInt8]) throws(Failure) {
        guard !secret.isEmpty else { throw .emptySecret }
        self.name = name
        self.algorithm = algorithm
        self.secret = secret
    }

    /// From the key name and the base64 secret as `tsig-keygen` prints it and Secrets hold it (surrounding
    /// whitespace ignored).
    public init(name: String, algorithm: TSIGAlgorithm, base64Secret: String) throws(Failure) {
        let parsed: DNSName
        do { parsed = try DNSName(parsing: name) } catch { throw .invalidName(name, error) }
        let trimmed = base64Secret.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64Encoded: trimmed) else { throw .secretNotBase64 }
        try self.init(name: parsed, algorithm: algorithm, secret: Array(bytes))
    }

    public var description: String { "TSIG key \(name) (\(algorithm))" }
}
