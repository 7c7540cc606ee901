import Foundation
import KeywardCore

extension Certificate {
    /// What the user asks for. Settings with a fixed default are non-optional and filled on decode (exactly what
    /// the CRD's `default`s make the API server store); settings whose default depends on other settings are
    /// optional and read through an `effective…` accessor.
    public struct Spec: Codable, Sendable, Hashable {
        /// The Secret (type kubernetes.io/tls) that receives `tls.crt`, `tls.key` and `ca.crt`.
        public var secretName: String
        public var commonName: String?
        public var dnsNames: [String]
        public var ipAddresses: [String]
        public var uris: [String]
        public var emailAddresses: [String]
        @OutOfLine public var subject: Subject?
        /// Requested lifetime; default 2160h (90 days), minimum 1h.
        public var duration: DurationString
        /// How long before expiry to renew; default one third of ``duration``. Read ``effectiveRenewBefore``.
        public var renewBefore: DurationString?
        /// cert-manager spellings. Empty means the issuer's defaults (digital signature + server auth, key
        /// encipherment for RSA; CAs always get cert sign and crl sign).
        public var usages: [Usage]
        public var isCA: Bool
        /// basicConstraints pathLenConstraint; only with ``isCA``.
        public var maxPathLength: Int?
        public var privateKey: PrivateKey
        public var issuer: IssuerReference
        /// URLs embedded in issued certificates' CRL distribution points extension.
        public var crlDistributionPoints: [String]
        /// Labels and annotations copied onto the Secret.
        public var secretTemplate: SecretTemplate?
        /// Extra keys in the Secret.
        public var secretKeys: SecretKeys
        public var failurePolicy: FailurePolicy
        /// Revoke the current certificate (add it to its CA's CRL) when the Certificate is deleted.
        public var revokeOnDelete: Bool
        /// Take over an existing Secret that Keyward did not create, provided the Secret consents: its annotation
        /// `keyward.dev/allow-adoption` names `Certificate/<name>` (``AdoptionConsent``).
        public var adoptExistingSecret: Bool
        /// Also write the certificate as files under the controller's `--volume-root` (or standalone `--out`).
        @OutOfLine public var files: Files?
        /// TLS endpoints that should serve this certificate; probed, reported in `status.endpoints` and `Served`.
        public var endpoints: [Endpoint]

        public static let defaultDuration: DurationString = "2160h"
        /// cert-manager's minimum: shorter lifetimes leave no room to renew.
        public static let minimumDuration = GoDuration.hours(1)

        public init(
            secretName: String,
            issuer: IssuerReference,
            commonName: String? = nil,
            dnsNames: [String] = [],
            ipAddresses: [String] = [],
            uris: [String] = [],
            emailAddresses: [String] = [],
            subject: Subject? = nil,
            duration: DurationString = Spec.defaultDuration,
            renewBefore: DurationString? = nil,
            usages: [Usage] = [],
            isCA: Bool = false,
            maxPathLength: Int? = nil,
            privateKey: PrivateKey = PrivateKey(),
            crlDistributionPoints: [String] = [],
            secretTemplate: SecretTemplate? = nil,
            secretKeys: SecretKeys = SecretKeys(),
            failurePolicy: FailurePolicy = .standard,
            revokeOnDelete: Bool = false,
            adoptExistingSecret: Bool = false,
            files: Files? = nil,
            endpoints: [Endpoint] = []
        ) {
            self.secretName = secretName
            self.commonName = commonName
            self.dnsNames = dnsNames
            self.ipAddresses = ipAddresses
            self.uris = uris
            self.emailAddresses = emailAddresses
            self.subject = subject
            self.duration = duration
            self.renewBefore = renewBefore
            self.usages = usages
            self.isCA = isCA
            self.maxPathLength = maxPathLength
            self.privateKey = privateKey
            self.issuer = issuer
            self.crlDistributionPoints = crlDistributionPoints
            self.secretTemplate = secretTemplate
            self.secretKeys = secretKeys
            self.failurePolicy = failurePolicy
            self.revokeOnDelete = revokeOnDelete
            self.adoptExistingSecret = adoptExistingSecret
            self.files = files
            self.endpoints = endpoints
        }

        /// The requested lifetime; the default when ``duration`` does not parse (``validate()`` reports that).
        public var effectiveDuration: GoDuration {
            duration.duration ?? Self.defaultDuration.duration!
        }

        /// ``renewBefore`` or, when unset, one third of the lifetime (30 days for the 90-day default).
        public var effectiveRenewBefore: GoDuration {
            renewBefore?.duration ?? effectiveDuration / 3
        }

        enum CodingKeys: String, CodingKey {
            case secretName, commonName, dnsNames, ipAddresses, uris, emailAddresses, subject, duration, renewBefore
            case usages, isCA, maxPathLength, privateKey, issuer, crlDistributionPoints, secretTemplate, secretKeys
            case failurePolicy, revokeOnDelete, adoptExistingSecret, files, endpoints
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            secretName = try c.decode(.secretName, or: "")
            commonName = try c.decodeIfPresent(.commonName)
            dnsNames = try c.decode(.dnsNames, or: [])
            ipAddresses = try c.decode(.ipAddresses, or: [])
            uris = try c.decode(.uris, or: [])
            emailAddresses = try c.decode(.emailAddresses, or: [])
            subject = try c.decodeIfPresent(.subject)
            duration = try c.decode(.duration, or: Self.defaultDuration)
            renewBefore = try c.decodeIfPresent(.renewBefore)
            usages = try c.decode(.usages, or: [])
            isCA = try c.decode(.isCA, or: false)
            maxPathLength = try c.decodeIfPresent(.maxPathLength)
            privateKey = try c.decode(.privateKey, or: PrivateKey())
            issuer = try c.decode(.issuer, or: IssuerReference())
            crlDistributionPoints = try c.decode(.crlDistributionPoints, or: [])
            secretTemplate = try c.decodeIfPresent(.secretTemplate)
            secretKeys = try c.decode(.secretKeys, or: SecretKeys())
            failurePolicy = try c.decode(.failurePolicy, or: .standard)
            revokeOnDelete = try c.decode(.revokeOnDelete, or: false)
            adoptExistingSecret = try c.decode(.adoptExistingSecret, or: false)
            files = try c.decodeIfPresent(.files)
            endpoints = try c.decode(.endpoints, or: [])
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            if !secretName.isEmpty { try c.encode(secretName, forKey: .secretName) }
            try c.encodeIfPresent(commonName, forKey: .commonName)
            try c.encodeUnlessEmpty(dnsNames, forKey: .dnsNames)
            try c.encodeUnlessEmpty(ipAddresses, forKey: .ipAddresses)
            try c.encodeUnlessEmpty(uris, forKey: .uris)
            try c.encodeUnlessEmpty(emailAddresses, forKey: .emailAddresses)
            try c.encodeIfPresent(subject, forKey: .subject)
            try c.encode(duration, forKey: .duration)
            try c.encodeIfPresent(renewBefore, forKey: .renewBefore)
            try c.encodeUnlessEmpty(usages, forKey: .usages)
            try c.encode(isCA, forKey: .isCA)
            try c.encodeIfPresent(maxPathLength, forKey: .maxPathLength)
            try c.encode(privateKey, forKey: .privateKey)
            try c.encode(issuer, forKey: .issuer)
            try c.encodeUnlessEmpty(crlDistributionPoints, forKey: .crlDistributionPoints)
            try c.encodeIfPresent(secretTemplate, forKey: .secretTemplate)
            try c.encode(secretKeys, forKey: .secretKeys)
            try c.encode(failurePolicy, forKey: .failurePolicy)
            try c.encode(revokeOnDelete, forKey: .revokeOnDelete)
            try c.encode(adoptExistingSecret, forKey: .adoptExistingSecret)
            try c.encodeIfPresent(files, forKey: .files)
            try c.encodeUnlessEmpty(endpoints, forKey: .endpoints)
        }
    }
}
