import KeywardCore

/// A random (version 4) UUID in lowercase, from the system CSPRNG rather than whatever `Foundation.UUID` uses.
public struct UUIDGenerator: SecretGenerator, Hashable {
    public init() {}

    public var outputKeys: [String] { ["uuid"] }

    public func validate() throws(GeneratorError) {}

    public func uuid() -> GeneratedValue {
        var bytes = SecureRandom.bytes(16)
        bytes[6] = (bytes[6] & 0x0f) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3f) | 0x80  // RFC 9562 variant
        let hex = ValueEncoding.hex.encode(bytes)
        var text = ""
        for (index, byte) in hex.enumerated() {
            if [8, 12, 16, 20].contains(index) { text.append("-") }
            text.append(Character(Unicode.Scalar(byte)))
        }
        return GeneratedValue(text)
    }

    public func generate() throws(GeneratorError) -> GeneratedSecret {
        GeneratedSecret(["uuid": uuid()])
    }
}
