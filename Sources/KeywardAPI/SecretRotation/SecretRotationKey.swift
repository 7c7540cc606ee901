import SecretGenerators

extension SecretRotation {
    /// One rotated value of the Secret: its key name and how it is generated.
    public struct Key: Codable, Sendable, Hashable {
        /// The Secret data key (`[-._a-zA-Z0-9]+`), without the layout suffixes (``SecretLayout``).
        public var name: String
        public var generator: Generator

        public init(name: String, generator: Generator) {
            self.name = name
            self.generator = generator
        }

        /// The data keys this key's value occupies: the name, plus `NAME.username` and `NAME.password` for basicAuth
        /// (where NAME holds the htpasswd line servers read, and the other two are what clients read).
        public var valueKeys: [String] {
            generator.basicAuth != nil && generator.configuredCount == 1
                ? [name, BasicAuthKeys.username(name), BasicAuthKeys.password(name)] : [name]
        }

        enum CodingKeys: String, CodingKey { case name, generator }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(.name, or: "")
            generator = try c.decode(.generator, or: Generator())
        }
    }

    /// How a value is made: exactly one member is set. Every generator draws from the system CSPRNG.
    public struct Generator: Codable, Sendable, Hashable {
        public var password: PasswordGenerator?
        public var token: TokenGenerator?
        public var uuid: UUIDGenerator?
        public var privateKey: PrivateKeyGenerator?
        public var basicAuth: BasicAuthGenerator?

        public init(password: PasswordGenerator? = nil, token: TokenGenerator? = nil, uuid: UUIDGenerator? = nil,
                    privateKey: PrivateKeyGenerator? = nil, basicAuth: BasicAuthGenerator? = nil) {
            self.password = password
            self.token = token
            self.uuid = uuid
            self.privateKey = privateKey
            self.basicAuth = basicAuth
        }

        public static func password(_ p: PasswordGenerator = PasswordGenerator()) -> Generator { Generator(password: p) }
        public static func token(_ t: TokenGenerator = TokenGenerator()) -> Generator { Generator(token: t) }
        public static let uuid = Generator(uuid: UUIDGenerator())
        public static func privateKey(_ k: PrivateKeyGenerator = PrivateKeyGenerator()) -> Generator {
            Generator(privateKey: k)
        }
        public static func basicAuth(_ b: BasicAuthGenerator) -> Generator { Generator(basicAuth: b) }

        /// The single configured generator, or nil when none or several are set.
        public var kind: Kind? {
            guard configuredCount == 1 else { return nil }
            if let password { return .password(password) }
            if let token { return .token(token) }
            if uuid != nil { return .uuid }
            if let privateKey { return .privateKey(privateKey) }
            if let basicAuth { return .basicAuth(basicAuth) }
            return nil
        }

        var configuredNames: [String] {
            [("password", password != nil), ("token", token != nil), ("uuid", uuid != nil),
             ("privateKey", privateKey != nil), ("basicAuth", basicAuth != nil)].filter(\.1).map(\.0)
        }

        var configuredCount: Int { configuredNames.count }

        public enum Kind: Sendable, Hashable {
            case password(PasswordGenerator)
            case token(TokenGenerator)
            case uuid
            case privateKey(PrivateKeyGenerator)
            case basicAuth(BasicAuthGenerator)
        }
    }

    /// How generated text is written into the Secret.
    public struct ValueEncoding: SpecEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The characters as generated (passwords only).
        public static let raw: ValueEncoding = "raw"
        /// RFC 4648 base64 with padding.
        public static let base64: ValueEncoding = "base64"
        /// RFC 4648 §5 URL-safe base64 without padding.
        public static let base64url: ValueEncoding = "base64url"
        /// Lower-case hexadecimal.
        public static let hex: ValueEncoding = "hex"
        public static let allowedValues: [ValueEncoding] = [.raw, .base64, .base64url, .hex]
        /// Tokens are bytes, so they need a text encoding.
        public static let tokenValues: [ValueEncoding] = [.base64, .base64url, .hex]
    }

    /// A random password, with external-secrets' Password generator field names. The options, their defaults and
    /// the generator are one type, SecretGenerators' ``PasswordGenerator``, which decodes the spec form itself.
    public typealias PasswordGenerator = SecretGenerators.PasswordGenerator

    /// Random bytes in a text encoding (API tokens, signing keys for HMAC).
    public struct TokenGenerator: Codable, Sendable, Hashable {
        public var bytes: Int
        public var encoding: ValueEncoding

        public static let defaultBytes = 32

        public init(bytes: Int = TokenGenerator.defaultBytes, encoding: ValueEncoding = .base64url) {
            self.bytes = bytes
            self.encoding = encoding
        }

        enum CodingKeys: String, CodingKey { case bytes, encoding }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            bytes = try c.decode(.bytes, or: Self.defaultBytes)
            encoding = try c.decode(.encoding, or: .base64url)
        }
    }

    /// A random (version 4) UUID in lower-case canonical form.
    public struct UUIDGenerator: Codable, Sendable, Hashable {
        public init() {}
    }

    /// A private key, PEM-encoded as PKCS#8.
    public struct PrivateKeyGenerator: Codable, Sendable, Hashable {
        public var algorithm: Certificate.PrivateKey.Algorithm
        /// As ``Certificate/PrivateKey/size``.
        public var size: Int?

        public init(algorithm: Certificate.PrivateKey.Algorithm = .ecdsa, size: Int? = nil) {
            self.algorithm = algorithm
            self.size = size
        }

        public var effectiveSize: Int { Certificate.PrivateKey(algorithm: algorithm, size: size).effectiveSize }

        enum CodingKeys: String, CodingKey { case algorithm, size }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            algorithm = try c.decode(.algorithm, or: .ecdsa)
            size = try c.decodeIfPresent(.size)
        }
    }

    /// A username with a generated password, written as an htpasswd bcrypt line (NAME) plus `NAME.username` and
    /// `NAME.password` (``BasicAuthKeys``).
    public struct BasicAuthGenerator: Codable, Sendable, Hashable {
        public var username: String
        public var password: PasswordGenerator
        /// bcrypt cost (log2 rounds).
        public var cost: Int

        public static let defaultCost = 10
        /// Above 14 a single hash takes seconds on a small node, and every rotation and verification pays it.
        public static let costRange = 4...14

        public init(username: String, password: PasswordGenerator = PasswordGenerator(),
                    cost: Int = BasicAuthGenerator.defaultCost) {
            self.username = username
            self.password = password
            self.cost = cost
        }

        enum CodingKeys: String, CodingKey { case username, password, cost }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            username = try c.decode(.username, or: "")
            password = try c.decode(.password, or: PasswordGenerator())
            cost = try c.decode(.cost, or: Self.defaultCost)
        }
    }
}
