import Foundation
import KeywardCore
import SecretGenerators

/// One rotated key of a Secret and the generator that makes its values.
public struct RotatedKey: Sendable, Hashable {
    public enum Generator: Sendable, Hashable {
        case password(PasswordGenerator)
        case token(TokenGenerator)
        case uuid(UUIDGenerator)
        case privateKey(PrivateKeyGenerator)
        /// Writes three data keys: NAME (the htpasswd line servers read), `NAME.username` and `NAME.password`
        /// (what clients read).
        case basicAuth(BasicAuthGenerator)
    }

    /// The data key (without layout suffixes).
    public var name: String
    public var generator: Generator

    public init(name: String, generator: Generator) {
        self.name = name
        self.generator = generator
    }

    public static func usernameKey(_ name: String) -> String { name + ".username" }
    public static func passwordKey(_ name: String) -> String { name + ".password" }

    /// The data keys whose values this key commits, in a fixed order.
    public var valueKeys: [String] {
        if case .basicAuth = generator { return [name, Self.usernameKey(name), Self.passwordKey(name)] }
        return [name]
    }

    public func validate() throws(GeneratorError) {
        switch generator {
        case .password(let g): try g.validate()
        case .token(let g): try g.validate()
        case .uuid(let g): try g.validate()
        case .privateKey(let g): try g.validate()
        case .basicAuth(let g): try g.validate()
        }
    }

    /// Fresh values for every one of ``valueKeys`` from the system CSPRNG.
    public func generate() throws(GeneratorError) -> [String: GeneratedValue] {
        switch generator {
        case .password(let g): return [name: try g.password()]
        case .token(let g): return [name: try g.token()]
        case .uuid(let g): return [name: g.uuid()]
        case .privateKey(let g):
            guard let key = try g.generate()["privateKey"] else {
                throw .keyGenerationFailed(algorithm: g.algorithm.rawValue, reason: "no private key produced")
            }
            return [name: key]
        case .basicAuth(let g):
            let made = try g.generate()
            guard let line = made["auth"], let user = made["username"], let password = made["password"] else {
                throw .invalidOption(field: "basicAuth", reason: "generator produced an incomplete credential")
            }
            return [name: line, Self.usernameKey(name): user, Self.passwordKey(name): password]
        }
    }

    /// ``generateAll(_:)`` on the crypto threads (``HeavyWorkPool/crypto``): RSA keys and bcrypt never run on the
    /// cooperative pool, and at most the pool's thread count of them run at once across all rotations.
    public static func generateAllOffloaded(_ keys: [RotatedKey]) async throws(GeneratorError) -> [String: Data] {
        try await HeavyWorkPool.crypto.run { Result { () throws(GeneratorError) in try generateAll(keys) } }.get()
    }

    /// Fresh values for all `keys`, as Secret data.
    public static func generateAll(_ keys: [RotatedKey]) throws(GeneratorError) -> [String: Data] {
        var out: [String: Data] = [:]
        for key in keys {
            for (dataKey, value) in try key.generate() { out[dataKey] = value.data }
        }
        return out
    }
}
