import Foundation
import KeywardCore
import KubernetesClient

extension Certificate {
    /// What the controller observed and did. Written only through the `/status` subresource.
    public struct Status: Codable, Sendable, Hashable {
        /// `Ready` and `Issuing` (``Certificate/ConditionType``), each with observedGeneration.
        public var conditions: [Condition]
        /// The one-word summary `kubectl get` shows.
        public var state: State?
        /// The spec generation this status describes.
        public var observedGeneration: Int64?
        /// ``IssuerReference/summary`` of the issuer that signed the current certificate.
        public var issuerName: String?
        public var notBefore: Date?
        public var notAfter: Date?
        /// When the controller renews: notAfter − renewBefore − a per-certificate jitter.
        public var renewalTime: Date?
        /// Serial number of the current certificate, upper-case hex without separators (as
        /// `openssl x509 -noout -serial` prints it).
        public var serialNumber: String?
        /// SHA-256 of the current certificate's DER, lower-case hex.
        public var fingerprintSHA256: String?
        /// Bumps on every issuance; starts at 1.
        public var revision: Int?
        /// SHA-256 of the issuing CA certificate's DER; a change means the CA was rotated and leaves reissue.
        public var issuerFingerprintSHA256: String?
        public var lastFailureTime: Date?
        /// Consecutive failed issuances since the last success; drives the backoff.
        public var failedIssuanceAttempts: Int?
        /// When the next attempt after a failure is due (absent with `failurePolicy: hold`).
        public var nextRetryTime: Date?
        /// The last failure's message (never key material).
        public var lastError: String?
        /// The last `keyward.dev/renew` annotation value acted on.
        public var lastRenewRequest: String?
        /// Certificates of this resource that were revoked, oldest first.
        public var revokedCertificates: [RevokedCertificate]
        /// An issuance the signer has accepted but not finished.
        @OutOfLine public var pendingRequest: PendingRequest?
        /// What each `spec.endpoints` entry served at its last probe.
        public var endpoints: [EndpointStatus] = []
        /// Serials of the certificates issued for this resource, newest last (at most
        /// ``Certificate/issuedSerialHistory``): an endpoint serving one of the older ones is stale, not foreign.
        public var issuedSerials: [String] = []

        public init(conditions: [Condition] = [], state: State? = nil, observedGeneration: Int64? = nil,
                    issuerName: String? = nil, notBefore: Date? = nil, notAfter: Date? = nil,
                    renewalTime: Date? = nil, serialNumber: String? = nil, fingerprintSHA256: String? = nil,
                    revision: Int? = nil, issuerFingerprintSHA256: String? = nil, lastFailureTime: Date? = nil,
                    failedIssuanceAttempts: Int? = nil, nextRetryTime: Date? = nil, lastError: String? = nil,
                    lastRenewRequest: String? = nil, revokedCertificates: [RevokedCertificate] = [],
                    pendingRequest: PendingRequest? = nil) {
            self.conditions = conditions
            self.state = state
            self.observedGeneration = observedGeneration
            self.issuerName = issuerName
            self.notBefore = notBefore
            self.notAfter = notAfter
            self.renewalTime = renewalTime
            self.serialNumber = serialNumber
            self.fingerprintSHA256 = fingerprintSHA256
            self.revision = revision
            self.issuerFingerprintSHA256 = issuerFingerprintSHA256
            self.lastFailureTime = lastFailureTime
            self.failedIssuanceAttempts = failedIssuanceAttempts
            self.nextRetryTime = nextRetryTime
            self.lastError = lastError
            self.lastRenewRequest = lastRenewRequest
            self.revokedCertificates = revokedCertificates
            self.pendingRequest = pendingRequest
        }

        enum CodingKeys: String, CodingKey {
            case conditions, state, observedGeneration, issuerName, notBefore, notAfter, renewalTime, serialNumber
            case fingerprintSHA256, revision, issuerFingerprintSHA256, lastFailureTime, failedIssuanceAttempts
            case nextRetryTime, lastError, lastRenewRequest, revokedCertificates, pendingRequest
            case endpoints, issuedSerials
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            conditions = try c.decode(.conditions, or: [])
            state = try c.decodeIfPresent(.state)
            observedGeneration = try c.decodeIfPresent(.observedGeneration)
            issuerName = try c.decodeIfPresent(.issuerName)
            notBefore = try c.decodeIfPresent(.notBefore)
            notAfter = try c.decodeIfPresent(.notAfter)
            renewalTime = try c.decodeIfPresent(.renewalTime)
            serialNumber = try c.decodeIfPresent(.serialNumber)
            fingerprintSHA256 = try c.decodeIfPresent(.fingerprintSHA256)
            revision = try c.decodeIfPresent(.revision)
            issuerFingerprintSHA256 = try c.decodeIfPresent(.issuerFingerprintSHA256)
            lastFailureTime = try c.decodeIfPresent(.lastFailureTime)
            failedIssuanceAttempts = try c.decodeIfPresent(.failedIssuanceAttempts)
            nextRetryTime = try c.decodeIfPresent(.nextRetryTime)
            lastError = try c.decodeIfPresent(.lastError)
            lastRenewRequest = try c.decodeIfPresent(.lastRenewRequest)
            revokedCertificates = try c.decode(.revokedCertificates, or: [])
            pendingRequest = try c.decodeIfPresent(.pendingRequest)
            endpoints = try c.decode(.endpoints, or: [])
            issuedSerials = try c.decode(.issuedSerials, or: [])
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeUnlessEmpty(conditions, forKey: .conditions)
            try c.encodeIfPresent(state, forKey: .state)
            try c.encodeIfPresent(observedGeneration, forKey: .observedGeneration)
            try c.encodeIfPresent(issuerName, forKey: .issuerName)
            try c.encodeIfPresent(notBefore, forKey: .notBefore)
            try c.encodeIfPresent(notAfter, forKey: .notAfter)
            try c.encodeIfPresent(renewalTime, forKey: .renewalTime)
            try c.encodeIfPresent(serialNumber, forKey: .serialNumber)
            try c.encodeIfPresent(fingerprintSHA256, forKey: .fingerprintSHA256)
            try c.encodeIfPresent(revision, forKey: .revision)
            try c.encodeIfPresent(issuerFingerprintSHA256, forKey: .issuerFingerprintSHA256)
            try c.encodeIfPresent(lastFailureTime, forKey: .lastFailureTime)
            try c.encodeIfPresent(failedIssuanceAttempts, forKey: .failedIssuanceAttempts)
            try c.encodeIfPresent(nextRetryTime, forKey: .nextRetryTime)
            try c.encodeIfPresent(lastError, forKey: .lastError)
            try c.encodeIfPresent(lastRenewRequest, forKey: .lastRenewRequest)
            try c.encodeUnlessEmpty(revokedCertificates, forKey: .revokedCertificates)
            try c.encodeIfPresent(pendingRequest, forKey: .pendingRequest)
            try c.encodeUnlessEmpty(endpoints, forKey: .endpoints)
            try c.encodeUnlessEmpty(issuedSerials, forKey: .issuedSerials)
        }
    }

    /// The summary `kubectl get certificates.keyward.dev` shows in its State column.
    public enum State: String, Codable, Sendable, Hashable, CaseIterable {
        /// Not issued yet (new, invalid spec, or waiting for its issuer).
        case pending = "Pending"
        /// A valid certificate matching the spec is in the Secret.
        case issued = "Issued"
        /// Past renewalTime and not yet renewed (renewal failing or in progress).
        case expiring = "Expiring"
        /// Issuance failed and no valid certificate is in place (or `failurePolicy: strict`).
        case failed = "Failed"
        /// The current certificate was revoked and no replacement is in place yet.
        case revoked = "Revoked"
    }

    /// One revoked certificate, as recorded in the issuing CA's CRL.
    public struct RevokedCertificate: Codable, Sendable, Hashable {
        /// Upper-case hex, as ``Status/serialNumber``.
        public var serialNumber: String
        public var reason: RevocationReason
        public var revocationTime: Date
        /// When the revoked certificate expires: the entry is dropped from status after that (it leaves the CRL too).
        public var notAfter: Date?

        public init(serialNumber: String, reason: RevocationReason, revocationTime: Date, notAfter: Date? = nil) {
            self.serialNumber = serialNumber
            self.reason = reason
            self.revocationTime = revocationTime
            self.notAfter = notAfter
        }
    }
}
