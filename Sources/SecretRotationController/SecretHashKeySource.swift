import ControllerRuntime
import Foundation
import KeywardAPI
import KubernetesClient
import KubernetesResources
import RotationStrategies

/// The values-hash key in an operator-owned Secret (default `keyward-hash-key` in the controller's namespace, data
/// key `key`), created once with 32 random bytes and then only read. Every replica reads the same Secret; the key is
/// cached after the first read. It carries Keyward's managed-by label but not the owned label, so it is not in the
/// watched cache and is read with one GET per process.
public actor SecretHashKeySource: ValuesHashKeySource {
    public static let defaultName = "keyward-hash-key"
    static let dataKey = "key"

    let store: any ResourceStore
    let namespace: String
    let name: String
    private var cached: Data?

    public init(store: any ResourceStore, namespace: String, name: String = SecretHashKeySource.defaultName) {
        self.store = store
        self.namespace = namespace
        self.name = name
    }

    /// The controller's namespace as the chart and manifests set it (`POD_NAMESPACE`), else `fallback`: the
    /// client's namespace (the service account's in a pod, the kubeconfig context's outside one), which exists.
    public static func operatorNamespace(fallback: String) -> String {
        ProcessInfo.processInfo.environment["POD_NAMESPACE"].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
    }

    public func key() async throws -> Data {
        if let cached { return cached }
        let key: Data
        if let existing = try await store.get(Secret.self, namespace: namespace, name: name) {
            key = try usable(existing)
        } else {
            let fresh = ValuesHasher.generateKey()
            let secret = Secret(metadata: ObjectMeta(
                name: name, namespace: namespace,
                labels: [KeywardLabels.managedBy: KeywardLabels.managedByValue],
                annotations: ["keyward.dev/purpose": "HMAC key for status.candidateHash and pod-template revision stamps"]),
                data: [Self.dataKey: fresh])
            do {
                _ = try await store.create(secret)
                key = fresh
            } catch StoreError.notFound {
                throw ValuesHashKeyError.unusable(
                    location: "Secret \(namespace)/\(name)",
                    reason: "cannot be created: namespace \(namespace) does not exist (POD_NAMESPACE names the controller's namespace)")
            } catch StoreError.alreadyExists {
                // Another replica created it first: use theirs.
                guard let theirs = try await store.get(Secret.self, namespace: namespace, name: name) else {
                    throw StoreError.notFound(kind: Secret.kind, key: "\(namespace)/\(name)")
                }
                key = try usable(theirs)
            }
        }
        cached = key
        return key
    }

    private func usable(_ secret: Secret) throws(ValuesHashKeyError) -> Data {
        guard let key = secret.data[Self.dataKey] else {
            throw .unusable(location: "Secret \(namespace)/\(name)", reason: "no data key \(Self.dataKey)")
        }
        guard key.count >= ValuesHasher.minimumKeyBytes else {
            throw .unusable(location: "Secret \(namespace)/\(name)", reason: "shorter than \(ValuesHasher.minimumKeyBytes) bytes")
        }
        return key
    }
}
