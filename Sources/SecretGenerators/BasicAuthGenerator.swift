/// Credentials for HTTP basic auth: the given username, a generated password, and an htpasswd line
/// (`username:$2y$10$…`) for servers such as nginx/ingress-nginx (`auth`) that want the hash, not the password.
public struct BasicAuthGenerator: SecretGenerator, Hashable {
    public var username: String
    public var password: PasswordGenerator
    /// bcrypt cost (work factor 2^cost).
    public var cost: Int

    public init(username: String, password: PasswordGenerator = PasswordGenerator(), cost: Int = Bcrypt.defaultCost) {
        self.username = username
        self.password = password
        self.cost = cost
    }

    /// Matches the keys of a `kubernetes.io/basic-auth` Secret, plus `auth` for the htpasswd line.
    public var outputKeys: [String] { ["username", "password", "auth"] }

    public func validate() throws(GeneratorError) {
        guard !username.isEmpty else { throw .invalidOption(field: "username", reason: "must not be empty") }
        let hasControl = username.unicodeScalars.contains { $0.properties.generalCategory == .control }
        guard !username.contains(":"), !hasControl else {
            throw .invalidOption(field: "username", reason: "must not contain ':' or control characters (htpasswd)")
        }
        try password.validate()
        let bytes = password.encoding.encodedLength(of: password.length)
        guard bytes <= Bcrypt.maximumPasswordBytes else {
            throw .invalidOption(
                field: "password.length",
                reason: "bcrypt uses only the first \(Bcrypt.maximumPasswordBytes) bytes; "
                    + "the password would be \(bytes)")
        }
        guard Bcrypt.costRange.contains(cost) else {
            throw .invalidOption(field: "cost", reason: "must be between 4 and 31, got \(cost)")
        }
    }

    public func generate() throws(GeneratorError) -> GeneratedSecret {
        try validate()
        let secret = try password.password()
        let hash = try Bcrypt.hash(secret.data, cost: cost, version: .y)
        return GeneratedSecret([
            "username": GeneratedValue(username),
            "password": secret,
            "auth": GeneratedValue("\(username):\(hash)"),
        ])
    }
}
