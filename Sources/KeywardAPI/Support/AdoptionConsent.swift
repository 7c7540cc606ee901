import Foundation
import KubernetesClient
import KubernetesResources

/// Consent, given on a Secret itself, for a Keyward resource to take it over although Keyward did not create it.
///
/// The annotation `keyward.dev/allow-adoption: <Kind>/<name>` (several comma-separated) names the resources of the
/// Secret's namespace that may adopt it, e.g. `Certificate/web` or `SecretRotation/db`. Setting it needs write access
/// to the Secret, so only someone who could already overwrite the Secret can hand it over: a tenant who may create
/// Certificates or SecretRotations cannot take someone else's Secret by naming it.
public enum AdoptionConsent {
    /// Whether `secret` names `kind`/`name` in its ``KeywardAnnotations/allowAdoption`` annotation.
    public static func allows(_ secret: Secret, kind: String, name: String) -> Bool {
        names(secret.metadata.annotations[KeywardAnnotations.allowAdoption], kind: kind, name: name)
    }

    /// Whether a workload names `SecretRotation/<name>` in its ``KeywardAnnotations/allowRollout`` annotation.
    public static func allowsRollout(_ workload: ObjectMeta, byRotation name: String) -> Bool {
        names(workload.annotations[KeywardAnnotations.allowRollout], kind: SecretRotation.kind, name: name)
    }

    /// Whether a comma-separated list of `Kind/name` entries holds `kind`/`name` (kind case-insensitive).
    private static func names(_ value: String?, kind: String, name: String) -> Bool {
        guard let value else { return false }
        return value.split(separator: ",").contains { entry in
            let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[0].lowercased() == kind.lowercased() && parts[1] == name
        }
    }

    /// The annotation that would let `kind`/`name` adopt a Secret, for messages telling the Secret's owner what to set.
    public static func annotation(kind: String, name: String) -> String {
        "\(KeywardAnnotations.allowAdoption)=\(kind)/\(name)"
    }
}
