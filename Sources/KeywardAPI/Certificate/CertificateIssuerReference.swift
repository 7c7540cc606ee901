extension Certificate {
    /// Who signs the certificate: exactly one of ``selfSigned``, ``ca`` or ``issuerRef``.
    ///
    /// The inline forms need no other resource: a CA is a Certificate with `isCA: true` in the same namespace, or an
    /// existing kubernetes.io/tls Secret holding a CA certificate and key. ``issuerRef`` names an `Issuer` (same
    /// namespace) or a `ClusterIssuer` that many Certificates share.
    public struct IssuerReference: Codable, Sendable, Hashable {
        public var selfSigned: SelfSigned?
        public var ca: CA?
        public var issuerRef: IssuerRef?

        public init(selfSigned: SelfSigned? = nil, ca: CA? = nil, issuerRef: IssuerRef? = nil) {
            self.selfSigned = selfSigned
            self.ca = ca
            self.issuerRef = issuerRef
        }

        public static let selfSigned = IssuerReference(selfSigned: SelfSigned())
        public static func certificate(_ name: String) -> IssuerReference { IssuerReference(ca: CA(certificateRef: name)) }
        public static func secret(_ name: String) -> IssuerReference { IssuerReference(ca: CA(secretRef: name)) }
        public static func issuer(_ name: String) -> IssuerReference {
            IssuerReference(issuerRef: IssuerRef(kind: .issuer, name: name))
        }
        public static func clusterIssuer(_ name: String) -> IssuerReference {
            IssuerReference(issuerRef: IssuerRef(kind: .clusterIssuer, name: name))
        }

        /// The resolved choice, or nil unless exactly one issuer (and one CA reference) is set.
        public var kind: Kind? {
            switch (selfSigned, ca, issuerRef) {
            case (.some, nil, nil): .selfSigned
            case (nil, .some(let ca), nil):
                switch (ca.certificateRef, ca.secretRef) {
                case (.some(let name), nil): .certificate(name)
                case (nil, .some(let name)): .secret(name)
                default: nil
                }
            case (nil, nil, .some(let ref)):
                switch ref.kind {
                case .issuer: .issuer(ref.name)
                case .clusterIssuer: .clusterIssuer(ref.name)
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
            case .issuer(let name): "issuer/\(name)"
            case .clusterIssuer(let name): "clusterissuer/\(name)"
            case nil: "invalid"
            }
        }

        public enum Kind: Sendable, Hashable {
            case selfSigned
            /// A Certificate with isCA in the same namespace.
            case certificate(String)
            /// A kubernetes.io/tls Secret in the same namespace holding a CA pair.
            case secret(String)
            /// An `Issuer` in the same namespace.
            case issuer(String)
            /// A `ClusterIssuer`.
            case clusterIssuer(String)
        }

        /// `issuerRef`: an `Issuer` in the Certificate's namespace or a `ClusterIssuer`, by name.
        public struct IssuerRef: Codable, Sendable, Hashable {
            public var kind: IssuerKind
            public var name: String

            public init(kind: IssuerKind, name: String) {
                self.kind = kind
                self.name = name
            }

            enum CodingKeys: String, CodingKey { case kind, name }

            public init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                // Absent decodes as empty so validation names the field instead of the decoder failing.
                kind = try c.decode(.kind, or: IssuerKind(rawValue: ""))
                name = try c.decode(.name, or: "")
            }
        }

        /// `Issuer` or `ClusterIssuer`.
        public struct IssuerKind: SpecEnum {
            public let rawValue: String
            public init(rawValue: String) { self.rawValue = rawValue }
            public static let issuer = IssuerKind(rawValue: "Issuer")
            public static let clusterIssuer = IssuerKind(rawValue: "ClusterIssuer")
            public static let allowedValues: [IssuerKind] = [.issuer, .clusterIssuer]
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
