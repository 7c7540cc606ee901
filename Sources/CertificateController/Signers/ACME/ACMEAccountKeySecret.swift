import ACME
import ControllerRuntime
import Foundation
import KeywardAPI
import KubernetesClient
import KubernetesResources

/// The account key of an `acme` issuer, in the Secret `privateKeySecretRef` names: generated (ECDSA P-256) into a
/// new Secret when there is none, read otherwise, and never regenerated or overwritten while the Secret exists (a
/// Secret without the key, or with an unreadable one, is an error naming it, not something to replace).
enum ACMEAccountKeySecret {
    static let purposeAnnotation = "keyward.dev/purpose"
    static let purpose = "ACME account key"

    enum Problem: Error, Sendable, CustomStringConvertible {
        case missingSecret(secret: String)
        case missingKey(secret: String, key: String)
        case unreadable(secret: String, key: String, detail: String)
        case tooLarge(secret: String, reason: String)

        var description: String {
            switch self {
            case .missingSecret(let secret): "Secret \(secret) does not exist"
            case .missingKey(let secret, let key): "Secret \(secret) has no key \(key) (it is never overwritten: add the key or name another Secret)"
            case .unreadable(let secret, let key, let detail): "Secret \(secret) key \(key) is not a usable ACME account key: \(detail)"
            case .tooLarge(let secret, let reason): "Secret \(secret): \(reason)"
            }
        }
    }

    /// Reads the key; only `create` makes one when the Secret does not exist.
    static func load(_ ref: IssuerSpec.ACME.SecretKeySelector, namespace: String, store: any ResourceStore,
                     create: Bool) async throws -> ACMEAccountKey? {
        let field = ref.key ?? IssuerSpec.ACME.defaultAccountKeyField
        let display = "\(namespace)/\(ref.name)"
        let secret: Secret?
        do {
            secret = try await store.get(Secret.self, namespace: namespace, name: ref.name)
        } catch StoreError.invalid(_, _, let reason) {
            throw Problem.tooLarge(secret: display, reason: reason)
        }
        if let secret { return try key(in: secret, field: field, display: display) }
        guard create else { return nil }
        let generated = ACMEAccountKey.generateP256()
        let meta = ObjectMeta(name: ref.name, namespace: namespace, labels: KeywardLabels.standard,
                              annotations: [purposeAnnotation: purpose])
        do {
            _ = try await store.create(Secret(metadata: meta, data: [field: Data(generated.pemRepresentation.utf8)]))
            return generated
        } catch StoreError.alreadyExists {
            // Someone (another replica) made it meanwhile: theirs is the key.
            guard let existing = try await store.get(Secret.self, namespace: namespace, name: ref.name) else { throw StoreError.alreadyExists(kind: "Secret", key: display) }
            return try key(in: existing, field: field, display: display)
        }
    }

    private static func key(in secret: Secret, field: String, display: String) throws -> ACMEAccountKey {
        guard let pem = secret.string(field) else { throw Problem.missingKey(secret: display, key: field) }
        do {
            return try ACMEAccountKey(pemRepresentation: pem)
        } catch {
            throw Problem.unreadable(secret: display, key: field, detail: "\(error)")
        }
    }

    /// A MAC or TSIG secret: the string at the selector's key (`secret` by default), trimmed.
    static func string(_ ref: IssuerSpec.ACME.SecretKeySelector, defaultKey: String, namespace: String,
                       store: any ResourceStore) async throws -> String {
        let field = ref.key ?? defaultKey
        let display = "\(namespace)/\(ref.name)"
        let secret: Secret?
        do {
            secret = try await store.get(Secret.self, namespace: namespace, name: ref.name)
        } catch StoreError.invalid(_, _, let reason) {
            throw Problem.tooLarge(secret: display, reason: reason)
        }
        guard let secret else { throw Problem.missingSecret(secret: display) }
        guard let value = secret.string(field)?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            throw Problem.missingKey(secret: display, key: field)
        }
        return value
    }
}
