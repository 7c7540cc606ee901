import Foundation

extension Certificate {
    /// An issuance the signer accepted but has not finished (an ACME order being validated): what is awaited and
    /// the signer's state to resume with. The new private key is never here: it waits in the Secret
    /// ``keySecretName`` (owned by the Certificate) until the certificate is issued.
    public struct PendingRequest: Codable, Sendable, Hashable {
        /// The signer asked (`Issuer/NAME`, ...): a request to another issuer is abandoned.
        public var issuer: String
        /// The spec generation the request was made for: a request for an older spec is abandoned.
        public var generation: Int64?
        public var since: Date
        /// What is awaited, in the signer's words.
        public var message: String
        /// The Secret holding the request's private key: `<secretName>-next-key`.
        public var keySecretName: String
        /// Opaque to Keyward, handed back to the signer; never key material.
        public var state: [String: String]

        public init(issuer: String, generation: Int64?, since: Date, message: String, keySecretName: String,
                    state: [String: String]) {
            self.issuer = issuer
            self.generation = generation
            self.since = since
            self.message = message
            self.keySecretName = keySecretName
            self.state = state
        }
    }
}
