import KeywardCore

/// An opaque random token: `byteCount` CSPRNG bytes, text-encoded.
public struct TokenGenerator: SecretGenerator, Hashable {
    public static let maximumByteCount = 4096

    public var byteCount: Int
    /// `.base64`, `.base64url` or `.hex`; raw bytes are not a token.
    public var encoding: ValueEncoding

    public init(byteCount: Int = 32, encoding: ValueEncoding = .base64url) {
        self.byteCount = byteCount
        self.encoding = encoding
    }

    public var outputKeys: [String] { ["token"] }

    public func validate() throws(GeneratorError) {
        guard (1...Self.maximumByteCount).contains(byteCount) else {
            throw .invalidOption(
                field: "byteCount", reason: "must be between 1 and \(Self.maximumByteCount), got \(byteCount)")
        }
        guard encoding != .raw else {
            throw .invalidOption(field: "encoding", reason: "must be base64, base64url or hex")
        }
    }

    public func token() throws(GeneratorError) -> GeneratedValue {
        try validate()
        return GeneratedValue(encoding.encode(SecureRandom.bytes(byteCount)))
    }

    public func generate() throws(GeneratorError) -> GeneratedSecret {
        GeneratedSecret(["token": try token()])
    }
}
