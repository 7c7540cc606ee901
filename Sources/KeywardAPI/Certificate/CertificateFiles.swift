import Foundation

extension Certificate {
    /// File output for `keyward controller --volume-root DIR` and `keyward run --out DIR`: the certificate's files
    /// are written atomically (a `..data` symlink swap) into `DIR/<subPath>/`.
    public struct Files: Codable, Sendable, Hashable {
        /// Directory below the root; default `<namespace>/<name>`. Relative, without `..`.
        public var subPath: String?
        public var names: FileNames
        /// Permissions of the private key file; must not grant anything to others.
        public var privateKeyMode: FileMode
        /// Permissions of every other file.
        public var mode: FileMode
        /// Group id that owns the files, so a consumer running as another user in that group can read the key.
        public var group: Int?

        public static let defaultPrivateKeyMode: FileMode = "0640"
        public static let defaultMode: FileMode = "0644"

        public init(subPath: String? = nil, names: FileNames = FileNames(),
                    privateKeyMode: FileMode = Files.defaultPrivateKeyMode, mode: FileMode = Files.defaultMode,
                    group: Int? = nil) {
            self.subPath = subPath
            self.names = names
            self.privateKeyMode = privateKeyMode
            self.mode = mode
            self.group = group
        }

        /// ``subPath`` or `<namespace>/<name>`.
        public func effectiveSubPath(namespace: String, name: String) -> String {
            subPath ?? "\(namespace)/\(name)"
        }

        enum CodingKeys: String, CodingKey { case subPath, names, privateKeyMode, mode, group }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            subPath = try c.decodeIfPresent(.subPath)
            names = try c.decode(.names, or: FileNames())
            privateKeyMode = try c.decode(.privateKeyMode, or: Self.defaultPrivateKeyMode)
            mode = try c.decode(.mode, or: Self.defaultMode)
            group = try c.decodeIfPresent(.group)
        }
    }

    /// File names inside the output directory (certbot's names by default).
    public struct FileNames: Codable, Sendable, Hashable {
        /// The leaf certificate.
        public var certificate: String
        /// Intermediates only (empty for a certificate issued directly by a root).
        public var chain: String
        /// Leaf followed by intermediates: what most servers want as their certificate file.
        public var fullchain: String
        public var privateKey: String
        /// The issuing chain's root (what `ca.crt` holds in the Secret).
        public var ca: String
        /// The issuer's CRL, written only when the issuer keeps one.
        public var crl: String

        public init(certificate: String = "cert.pem", chain: String = "chain.pem", fullchain: String = "fullchain.pem",
                    privateKey: String = "privkey.pem", ca: String = "ca.pem", crl: String = "crl.pem") {
            self.certificate = certificate
            self.chain = chain
            self.fullchain = fullchain
            self.privateKey = privateKey
            self.ca = ca
            self.crl = crl
        }

        /// (field name, file name) pairs, for validation and writers.
        public var all: [(field: String, name: String)] {
            [("certificate", certificate), ("chain", chain), ("fullchain", fullchain), ("privateKey", privateKey),
             ("ca", ca), ("crl", crl)]
        }

        enum CodingKeys: String, CodingKey { case certificate, chain, fullchain, privateKey, ca, crl }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = FileNames()
            certificate = try c.decode(.certificate, or: d.certificate)
            chain = try c.decode(.chain, or: d.chain)
            fullchain = try c.decode(.fullchain, or: d.fullchain)
            privateKey = try c.decode(.privateKey, or: d.privateKey)
            ca = try c.decode(.ca, or: d.ca)
            crl = try c.decode(.crl, or: d.crl)
        }
    }
}
