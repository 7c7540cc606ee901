extension Certificate {
    /// Who signs the certificate: exactly one of ``selfSigned`` or ``ca``.
    ///
    /// Keyward has no separate Issuer resource: a CA is a Certificate with `isCA: true` in the same namespace, or an
    /// existing kubernetes.io/tls Secret holding a CA certificate and key.
    public struct IssuerReference: Codable, Sendable, Hashable {
        public var selfSigned: SelfSigned?
        public var ca: CA?

        public init(selfSigned: SelfSigned? = nil, ca: CA? = nil) {
            self.selfSigned = selfSigned
            self.ca = ca
        }

        public static let selfSigned = IssuerReference(selfSigned: SelfSigned())
        public static func certificate(_ name: String) -> IssuerReference { IssuerReference(ca: CA(certificateRef: name)) }
        public static func secret(_ name: String) -> IssuerReference { IssuerReference(ca: CA(secretRef: name)) }

        /// The resolved choice, or nil unless exactly one issuer (and one CA reference) is set.
        public var kind: Kind? {
            switch (selfSigned, ca) {
            case (.some, nil): .selfSigned
            case (nil, .some(let ca)):
                switch (ca.certificateRef, ca.secretRef) {
                case (.some(let name), nil): .certificate(name)
                case (nil, .some(let name)): .secret(name)
                default: nil
                }
            default: nil
            }
        }

        /// A short display form for `status.issuerName`, the Secret's `keyward.dev/issuer` annotation and
        /// `kubectl get`: `selfSigned`, `certificate/NAME` or `secret/NAME`.
        public var summary: String {
            switch kind {
            case .selfSigned: "selfSigned"
            case .certificate(let name): "certificate/\(name)"
            case .secret(let name): "secret/\(name)"
            case nil: "invalid"
            }
        }

        public enum Kind: Sendable, Hashable {
            case selfSigned
            /// A Certificate with isCA in the same namespace.
            case certificate(String)
            /// A kubernetes.io/tls Secret in the same namespace holding a CA pair.
            case secret(String)
        }

        /// The certificate signs itself (root CAs, or quick tests).
        public struct SelfSigned: Codable, Sendable, Hashable {
            public init() {}
        }

        /// Issued by a CA in the same namespace: exactly one of the two references.
        public struct CA: Codable, Sendable, Hashable {
            /// Name of a Certificate with `isCA: true`.
            public var certificateRef: String?
            /// Name of a kubernetes.io/tls Secret holding the CA certificate (`tls.crt`) and key (`tls.key`).
            public var secretRef: String?

            public init(certificateRef: String? = nil, secretRef: String? = nil) {
                self.certificateRef = certificateRef
                self.secretRef = secretRef
            }
        }
    }
}
