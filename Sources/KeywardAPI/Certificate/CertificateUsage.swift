extension Certificate {
    /// A key usage or extended key usage, spelled as cert-manager's `spec.usages`.
    public struct Usage: SpecEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let signing: Usage = "signing"
        public static let digitalSignature: Usage = "digital signature"
        public static let contentCommitment: Usage = "content commitment"
        public static let keyEncipherment: Usage = "key encipherment"
        public static let keyAgreement: Usage = "key agreement"
        public static let dataEncipherment: Usage = "data encipherment"
        public static let certSign: Usage = "cert sign"
        public static let crlSign: Usage = "crl sign"
        public static let encipherOnly: Usage = "encipher only"
        public static let decipherOnly: Usage = "decipher only"
        public static let any: Usage = "any"
        public static let serverAuth: Usage = "server auth"
        public static let clientAuth: Usage = "client auth"
        public static let codeSigning: Usage = "code signing"
        public static let emailProtection: Usage = "email protection"
        public static let smime: Usage = "s/mime"
        public static let ipsecEndSystem: Usage = "ipsec end system"
        public static let ipsecTunnel: Usage = "ipsec tunnel"
        public static let ipsecUser: Usage = "ipsec user"
        public static let timestamping: Usage = "timestamping"
        public static let ocspSigning: Usage = "ocsp signing"
        public static let microsoftSGC: Usage = "microsoft sgc"
        public static let netscapeSGC: Usage = "netscape sgc"

        public static let allowedValues: [Usage] = [
            .signing, .digitalSignature, .contentCommitment, .keyEncipherment, .keyAgreement, .dataEncipherment,
            .certSign, .crlSign, .encipherOnly, .decipherOnly, .any, .serverAuth, .clientAuth, .codeSigning,
            .emailProtection, .smime, .ipsecEndSystem, .ipsecTunnel, .ipsecUser, .timestamping, .ocspSigning,
            .microsoftSGC, .netscapeSGC,
        ]
    }

    /// What the controller does after an issuance fails (seed 002).
    public struct FailurePolicy: SpecEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// Retry with exponential backoff; Ready stays True while the current certificate is still valid.
        public static let standard: FailurePolicy = "standard"
        /// Retry with backoff, but set Ready=False at the first failure even while the old certificate is valid.
        public static let strict: FailurePolicy = "strict"
        /// Stop retrying after a failure until a manual renew (`keyward renew`, `keyward.dev/renew`).
        public static let hold: FailurePolicy = "hold"

        public static let allowedValues: [FailurePolicy] = [.standard, .strict, .hold]
    }

    /// A CRL reason code name (RFC 5280 5.3.1), as `keyward revoke --reason` and `keyward.dev/revoke` take it.
    public struct RevocationReason: SpecEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let unspecified: RevocationReason = "unspecified"
        public static let keyCompromise: RevocationReason = "keyCompromise"
        public static let caCompromise: RevocationReason = "cACompromise"
        public static let affiliationChanged: RevocationReason = "affiliationChanged"
        public static let superseded: RevocationReason = "superseded"
        public static let cessationOfOperation: RevocationReason = "cessationOfOperation"
        public static let privilegeWithdrawn: RevocationReason = "privilegeWithdrawn"
        public static let aaCompromise: RevocationReason = "aACompromise"

        /// certificateHold and removeFromCRL are left out: Keyward revocation is permanent.
        public static let allowedValues: [RevocationReason] = [
            .unspecified, .keyCompromise, .caCompromise, .affiliationChanged, .superseded, .cessationOfOperation,
            .privilegeWithdrawn, .aaCompromise,
        ]

        /// The RFC 5280 CRLReason code.
        public var code: Int? {
            switch self {
            case .unspecified: 0
            case .keyCompromise: 1
            case .caCompromise: 2
            case .affiliationChanged: 3
            case .superseded: 4
            case .cessationOfOperation: 5
            case .privilegeWithdrawn: 9
            case .aaCompromise: 10
            default: nil
            }
        }
    }
}
