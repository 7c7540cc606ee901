import Foundation
import KubernetesClient

/// `secretrotations.keyward.dev`: keys of a Secret that Keyward generates and rotates on a schedule, verifying
/// each new value before consumers see it and tracking the consumers' rollouts onto it.
public struct SecretRotation: HasStatusSubresource, Hashable {
    public static let group = KeywardAPIGroup.name
    public static let version = KeywardAPIGroup.version
    public static let kind = "SecretRotation"
    public static let plural = "secretrotations"
    public static let singular = "secretrotation"
    public static let isNamespaced = true
    public static let shortNames = ["srot"]
    public static let categories = [KeywardAPIGroup.category]

    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: Status?

    public init(metadata: ObjectMeta, spec: Spec, status: Status? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    public func validate() -> [SpecViolation] { spec.validate() }
}

extension SecretRotation {
    public enum ConditionType {
        /// True while the Secret holds verified, committed values and the last rotation succeeded.
        public static let ready = "Ready"
        /// True while a rotation is in flight (``RotationPhase/isInProgress``).
        public static let rotating = "Rotating"
    }

    public enum Reason {
        public static let rotated = "Rotated"
        public static let generating = "Generating"
        public static let verifying = "Verifying"
        public static let promoting = "Promoting"
        public static let migrating = "Migrating"
        public static let rolledBack = "RolledBack"
        public static let verificationFailed = "VerificationFailed"
        public static let migrationTimedOut = "MigrationTimedOut"
        public static let invalidSpec = "InvalidSpec"
        /// Another SecretRotation already owns one of the keys of this Secret.
        public static let keyConflict = "KeyConflict"
        /// The Secret exists, was not created by Keyward for a SecretRotation, and does not consent to adoption
        /// (``AdoptionConsent``): it is left byte-identical.
        public static let secretNotOwned = "SecretNotOwned"
        public static let suspended = "Suspended"
        public static let generationFailed = "GenerationFailed"
        public static let idle = "Idle"
    }
}
