extension Certificate {
    /// The key pair behind the certificate (cert-manager's `spec.privateKey`).
    public struct PrivateKey: Codable, Sendable, Hashable {
        public var algorithm: Algorithm
        /// ECDSA: 256 or 384 (default 256); RSA: 2048, 3072 or 4096 (default 2048); ignored for Ed25519.
        public var size: Int?
        /// Default PKCS1 (SEC1 for ECDSA), like cert-manager; Ed25519 is always PKCS8. Read ``effectiveEncoding``.
        public var encoding: Encoding?
        public var rotationPolicy: RotationPolicy

        public init(algorithm: Algorithm = .ecdsa, size: Int? = nil, encoding: Encoding? = nil,
                    rotationPolicy: RotationPolicy = .always) {
            self.algorithm = algorithm
            self.size = size
            self.encoding = encoding
            self.rotationPolicy = rotationPolicy
        }

        /// The key size in bits after defaults (256 for Ed25519, whatever ``size`` says).
        public var effectiveSize: Int {
            switch algorithm {
            case .rsa: size ?? 2048
            case .ed25519: 256
            default: size ?? 256
            }
        }

        /// ``encoding`` after defaults: PKCS8 for Ed25519 (it has no PKCS#1 form), else PKCS1.
        public var effectiveEncoding: Encoding {
            algorithm == .ed25519 ? .pkcs8 : (encoding ?? .pkcs1)
        }

        public static let ecdsaSizes = [256, 384]
        public static let rsaSizes = [2048, 3072, 4096]

        public struct Algorithm: SpecEnum {
            public var rawValue: String
            public init(rawValue: String) { self.rawValue = rawValue }
            public static let ecdsa: Algorithm = "ECDSA"
            public static let rsa: Algorithm = "RSA"
            public static let ed25519: Algorithm = "Ed25519"
            public static let allowedValues: [Algorithm] = [.ecdsa, .rsa, .ed25519]
        }

        public struct Encoding: SpecEnum {
            public var rawValue: String
            public init(rawValue: String) { self.rawValue = rawValue }
            public static let pkcs1: Encoding = "PKCS1"
            public static let pkcs8: Encoding = "PKCS8"
            public static let allowedValues: [Encoding] = [.pkcs1, .pkcs8]
        }

        public struct RotationPolicy: SpecEnum {
            public var rawValue: String
            public init(rawValue: String) { self.rawValue = rawValue }
            /// A new key on every issuance.
            public static let always: RotationPolicy = "Always"
            /// Keep the key as long as it still matches algorithm and size.
            public static let never: RotationPolicy = "Never"
            public static let allowedValues: [RotationPolicy] = [.always, .never]
        }

        enum CodingKeys: String, CodingKey { case algorithm, size, encoding, rotationPolicy }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            algorithm = try c.decode(.algorithm, or: .ecdsa)
            size = try c.decodeIfPresent(.size)
            encoding = try c.decodeIfPresent(.encoding)
            rotationPolicy = try c.decode(.rotationPolicy, or: .always)
        }
    }
}
