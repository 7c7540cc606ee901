import Foundation
import KubernetesClient

/// `certificates.keyward.dev`: an X.509 certificate and key that Keyward keeps issued, renewed and revocable in a
/// Secret (and optionally as files). Field names follow cert-manager's Certificate where the concept is the same.
///
/// In files that also import X509 (swift-certificates), write `KeywardAPI.Certificate`.
public struct Certificate: HasStatusSubresource, Hashable {
    public static let group = KeywardAPIGroup.name
    public static let version = KeywardAPIGroup.version
    public static let kind = "Certificate"
    public static let plural = "certificates"
    public static let singular = "certificate"
    public static let isNamespaced = true
    /// cert-manager owns `cert`/`certs`, so Keyward's short names are prefixed.
    public static let shortNames = ["kwcert", "kwcerts"]
    public static let categories = [KeywardAPIGroup.category]

    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: Status?

    public init(metadata: ObjectMeta, spec: Spec, status: Status? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// Every reason this Certificate cannot be acted on: the spec's own rules plus those that need the object's
    /// name (a certificate cannot be its own CA).
    public func validate() -> [SpecViolation] {
        var violations = spec.validate()
        if let ref = spec.issuer.ca?.certificateRef, ref == metadata.name, !ref.isEmpty {
            violations.append(SpecViolation(
                field: "spec.issuer.ca.certificateRef",
                reason: "a Certificate cannot be issued by itself; use issuer.selfSigned for a root CA"))
        }
        return violations
    }
}

extension Certificate {
    /// Condition types on `status.conditions`.
    public enum ConditionType {
        /// True while the Secret holds a valid certificate matching the spec.
        public static let ready = "Ready"
        /// True while an issuance is in progress or pending a retry.
        public static let issuing = "Issuing"
    }

    /// CamelCase condition reasons.
    public enum Reason {
        public static let issued = "Issued"
        public static let renewing = "Renewing"
        public static let keyRotated = "KeyRotated"
        public static let revoked = "Revoked"
        /// A revoke request found a certificate its issuer did not sign in the Secret: it is replaced, and its serial
        /// is not put in the CA's CRL (that would revoke someone else's certificate).
        public static let revokeRefused = "RevokeRefused"
        public static let issuanceFailed = "IssuanceFailed"
        public static let invalidSpec = "InvalidSpec"
        public static let issuerNotReady = "IssuerNotReady"
        /// The issuer is a CA Certificate not issued yet (or not created yet): normal while it is being issued,
        /// ``issuerNotReady`` once the wait passes the reconciler's threshold.
        public static let waitingForIssuer = "WaitingForIssuer"
        public static let expired = "Expired"
        public static let pending = "Pending"
        /// `failurePolicy: hold` stopped retrying; a manual renew resumes.
        public static let held = "Held"
        /// The Secret exists, was not created by Keyward for this Certificate, and is not adopted with the Secret's
        /// consent (`adoptExistingSecret` plus ``AdoptionConsent``): it is left byte-identical.
        public static let secretNotOwned = "SecretNotOwned"
        /// Another Certificate already writes its files into the folder `spec.files` names.
        public static let filesConflict = "FilesConflict"
        /// A component of the files folder is a symlink; nothing is written through it.
        public static let filesRefused = "FilesRefused"
    }
}
