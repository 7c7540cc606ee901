import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardPKI
import KubernetesClient
import KubernetesResources

/// Where the private key of a pending issuance waits: the Secret `<secretName>-next-key`, owned by the Certificate
/// (labelled, annotated with its name, controlled by it), so the key survives a restart without ever being in
/// status or logs, and goes with the Certificate.
enum PendingKeySecret {
    static let keyField = "tls.key"
    /// On the Secret: which Certificate's pending request it belongs to.
    static let purposeAnnotation = "keyward.dev/purpose"
    static let purpose = "pending issuance key"

    static func name(for certificate: KeywardAPI.Certificate) -> String { "\(certificate.spec.secretName)-next-key" }

    /// The key, if `secret` is this Certificate's pending-key Secret and holds a readable key.
    static func key(in secret: Secret?, for certificate: KeywardAPI.Certificate) -> PrivateKey? {
        guard let secret, isOwned(secret, by: certificate), let pem = secret.string(keyField) else { return nil }
        return try? PrivateKey(pemEncoded: pem)
    }

    static func isOwned(_ secret: Secret, by certificate: KeywardAPI.Certificate) -> Bool {
        secret.metadata.labels[KeywardLabels.owned] == KeywardLabels.ownedValue
            && secret.metadata.annotations[KeywardAnnotations.certificateName] == certificate.metadata.name
            && secret.metadata.annotations[purposeAnnotation] == purpose
    }

    static func build(_ key: PrivateKey, for certificate: KeywardAPI.Certificate) -> Secret {
        var meta = ObjectMeta(name: name(for: certificate), namespace: certificate.metadata.namespace,
                              labels: KeywardLabels.standard,
                              annotations: [KeywardAnnotations.certificateName: certificate.metadata.name, purposeAnnotation: purpose])
        if certificate.metadata.uid != nil { meta.ownerReferences = [OwnerReference(controlledBy: certificate)] }
        return Secret(metadata: meta, data: [keyField: Data(key.pemEncoded().utf8)])
    }
}
