extension Certificate {
    /// Metadata copied onto the Secret (cert-manager's `spec.secretTemplate`). Keys under `keyward.dev/` are
    /// Keyward's own and are refused here.
    public struct SecretTemplate: Codable, Sendable, Hashable {
        public var labels: [String: String]
        public var annotations: [String: String]

        public init(labels: [String: String] = [:], annotations: [String: String] = [:]) {
            self.labels = labels
            self.annotations = annotations
        }

        enum CodingKeys: String, CodingKey { case labels, annotations }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            labels = try c.decode(.labels, or: [:])
            annotations = try c.decode(.annotations, or: [:])
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeUnlessEmpty(labels, forKey: .labels)
            try c.encodeUnlessEmpty(annotations, forKey: .annotations)
        }
    }

    /// Which keys the Secret carries besides the standard kubernetes.io/tls ones (`tls.crt`, `tls.key`, `ca.crt`).
    public struct SecretKeys: Codable, Sendable, Hashable {
        /// Also write ``pemFileKeys`` (certbot's file names), for consumers that mount the Secret and expect them.
        public var pemFiles: Bool

        public init(pemFiles: Bool = false) { self.pemFiles = pemFiles }

        /// The Secret keys `pemFiles: true` adds: leaf, intermediates, leaf + intermediates, private key.
        public static let pemFileKeys = ["cert.pem", "chain.pem", "fullchain.pem", "privkey.pem"]
        /// The standard kubernetes.io/tls keys, always written.
        public static let tlsCertificateKey = "tls.crt"
        public static let tlsPrivateKeyKey = "tls.key"
        public static let caCertificateKey = "ca.crt"

        enum CodingKeys: String, CodingKey { case pemFiles }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            pemFiles = try c.decode(.pemFiles, or: false)
        }
    }
}
