extension IssuerStatus {
    /// The ACME account an `acme` issuer registered (or found) at its server.
    public struct ACME: Codable, Sendable, Hashable {
        /// The account URL (RFC 8555 `Location` of newAccount).
        public var uri: String
        /// The contact address the account was last registered or updated with.
        public var lastRegisteredEmail: String?
        /// RFC 7638 thumbprint (SHA-256, base64url) of the account key's public JWK: a different key in the Secret
        /// is refused instead of silently registering another account.
        public var accountKeyThumbprint: String?
        /// The directory the account belongs to: a changed `server` registers afresh.
        public var server: String?

        public init(uri: String, lastRegisteredEmail: String? = nil, accountKeyThumbprint: String? = nil,
                    server: String? = nil) {
            self.uri = uri
            self.lastRegisteredEmail = lastRegisteredEmail
            self.accountKeyThumbprint = accountKeyThumbprint
            self.server = server
        }
    }
}
