import Foundation
import KeywardAPI
import KubernetesClient
import KubernetesResources

/// Which existing Secrets a SecretRotation may write: ownership by consent.
///
/// A Secret Keyward created for a SecretRotation (our label plus the `keyward.dev/secretrotation-name` annotation)
/// may be shared by the SecretRotations of its namespace, each owning its own keys (``KeyOwnership``). Any other
/// Secret — an ingress's basic-auth Secret, a Certificate's TLS Secret — is written only when it names this
/// SecretRotation in `keyward.dev/allow-adoption`. Without that the rotation stops at `SecretNotOwned` and the
/// Secret stays byte-identical.
enum SecretOwnership {
    static func mayWrite(_ secret: Secret, for rotation: SecretRotation) -> Bool {
        let createdForRotation = secret.metadata.labels[KeywardLabels.owned] == KeywardLabels.ownedValue
            && secret.metadata.annotations[KeywardAnnotations.secretRotationName] != nil
        return createdForRotation
            || AdoptionConsent.allows(secret, kind: SecretRotation.kind, name: rotation.metadata.name)
    }

    /// The condition message: which Secret, and what its owner sets to hand it over (never any value).
    static func notOwnedMessage(_ secret: Secret, rotation: SecretRotation) -> String {
        "Secret \(secret.metadata.name) was not created by Keyward for a SecretRotation and its owner has not "
            + "consented to adoption; whoever may write the Secret can annotate it "
            + AdoptionConsent.annotation(kind: SecretRotation.kind, name: rotation.metadata.name)
    }
}
