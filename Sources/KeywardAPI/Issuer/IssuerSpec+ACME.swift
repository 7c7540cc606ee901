extension IssuerSpec {
    /// An RFC 8555 CA (Let's Encrypt, any ACME server): an account registered with `server`, whose orders are
    /// validated through ``solvers`` (HTTP-01 or DNS-01) and finalized with the Certificate's CSR.
    public struct ACME: Codable, Sendable, Hashable {
        /// The directory URL, e.g. `https://acme-staging-v02.api.letsencrypt.org/directory`. HTTPS only.
        public var server: String
        /// Contact address registered with the account (`mailto:`), optional.
        public var email: String?
        /// The Secret holding the account key (`tls.key` unless ``SecretKeySelector/key`` says otherwise): generated
        /// as ECDSA P-256 when absent, never regenerated while it exists.
        public var privateKeySecretRef: SecretKeySelector
        /// PEM CA certificates to trust for the server's TLS (a private ACME server such as Pebble) in addition to
        /// the system roots.
        public var caBundle: String?
        /// External account binding (a CA that requires an existing account with it, RFC 8555 §7.3.4).
        public var externalAccountBinding: ExternalAccountBinding?
        /// The Let's Encrypt profiles extension: sent on new orders only when the directory lists this profile.
        public var profile: String?
        /// When the server offers alternate chains: the one whose top certificate's issuer common name is this.
        public var preferredChain: String?
        /// How each name's challenge is solved; selection is per name (``Solver/Selector``).
        public var solvers: [Solver]

        public init(server: String, email: String? = nil, privateKeySecretRef: SecretKeySelector,
                    caBundle: String? = nil, externalAccountBinding: ExternalAccountBinding? = nil,
                    profile: String? = nil, preferredChain: String? = nil, solvers: [Solver] = []) {
            self.server = server
            self.email = email
            self.privateKeySecretRef = privateKeySecretRef
            self.caBundle = caBundle
            self.externalAccountBinding = externalAccountBinding
            self.profile = profile
            self.preferredChain = preferredChain
            self.solvers = solvers
        }

        enum CodingKeys: String, CodingKey {
            case server, email, privateKeySecretRef, caBundle, externalAccountBinding, profile, preferredChain, solvers
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            // Absent required fields decode as empty so validation names the field instead of the decoder failing.
            server = try c.decode(.server, or: "")
            email = try c.decodeIfPresent(.email)
            privateKeySecretRef = try c.decode(.privateKeySecretRef, or: SecretKeySelector(name: ""))
            caBundle = try c.decodeIfPresent(.caBundle)
            externalAccountBinding = try c.decodeIfPresent(.externalAccountBinding)
            profile = try c.decodeIfPresent(.profile)
            preferredChain = try c.decodeIfPresent(.preferredChain)
            solvers = try c.decode(.solvers, or: [])
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(server, forKey: .server)
            try c.encodeIfPresent(email, forKey: .email)
            try c.encode(privateKeySecretRef, forKey: .privateKeySecretRef)
            try c.encodeIfPresent(caBundle, forKey: .caBundle)
            try c.encodeIfPresent(externalAccountBinding, forKey: .externalAccountBinding)
            try c.encodeIfPresent(profile, forKey: .profile)
            try c.encodeIfPresent(preferredChain, forKey: .preferredChain)
            try c.encodeUnlessEmpty(solvers, forKey: .solvers)
        }

        /// One key of a Secret in the issuer's Secret namespace (the Issuer's own, or for a ClusterIssuer the
        /// cluster resource namespace).
        public struct SecretKeySelector: Codable, Sendable, Hashable {
            public var name: String
            /// The data key; each field documents its default.
            public var key: String?

            public init(name: String, key: String? = nil) {
                self.name = name
                self.key = key
            }

            enum CodingKeys: String, CodingKey { case name, key }

            public init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                name = try c.decode(.name, or: "")
                key = try c.decodeIfPresent(.key)
            }
        }

        /// RFC 8555 §7.3.4: the CA's key identifier and the MAC key it handed out (base64url, as CAs print it).
        public struct ExternalAccountBinding: Codable, Sendable, Hashable {
            public var keyID: String
            /// The MAC key, in `secret` unless the selector names another key.
            public var keySecretRef: SecretKeySelector
            /// Only `HS256`.
            public var keyAlgorithm: String?

            public static let hs256 = "HS256"

            public init(keyID: String, keySecretRef: SecretKeySelector, keyAlgorithm: String? = nil) {
                self.keyID = keyID
                self.keySecretRef = keySecretRef
                self.keyAlgorithm = keyAlgorithm
            }

            enum CodingKeys: String, CodingKey { case keyID, keySecretRef, keyAlgorithm }

            public init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                keyID = try c.decode(.keyID, or: "")
                keySecretRef = try c.decode(.keySecretRef, or: SecretKeySelector(name: ""))
                keyAlgorithm = try c.decodeIfPresent(.keyAlgorithm)
            }
        }

        /// Data keys used when a selector names none.
        public static let defaultAccountKeyField = "tls.key"
        public static let defaultEABKeyField = "secret"
        public static let defaultTSIGKeyField = "secret"
    }
}
