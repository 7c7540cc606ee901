import Foundation
import KeywardCore
import KubernetesClient
import KubernetesResources

/// What an informer keeps of each object it caches.
///
/// Anyone who may label a Secret or ConfigMap in their namespace can put it into a label-selected cache, so the
/// cache must not grow with what tenants store. Every cached object loses the fields no controller reads
/// (`metadata.managedFields`: the API server keeps them when an update omits them), and an object whose remaining
/// size is over ``maxObjectBytes`` keeps only its metadata and is marked truncated: handlers still see it (they
/// route by metadata), and a reconcile that reads it gets it through a bounded live GET instead.
///
/// Annotations are kept whole: reconcilers write cached objects back with PUT, and a dropped annotation would be
/// deleted from the real object. They count towards the size instead.
public struct CachePolicy<T: KubernetesResource>: Sendable {
    /// Objects above this many bytes (as measured by ``size``, after stripping) are cached as metadata only.
    public var maxObjectBytes: Int?
    /// The approximate in-memory size of an object's payload and metadata.
    public var size: @Sendable (T) -> Int
    /// Removes fields no controller reads.
    public var strip: @Sendable (T) -> T
    /// The object with its payload removed, metadata kept.
    public var metadataOnly: @Sendable (T) -> T
    /// Label and annotation keys and owner API versions, which repeat in every object the controllers made: one copy
    /// each instead of one per object (10,000 Secrets held six keys of over 15 bytes each).
    let metadataStrings = SharedValuePool<String>()

    public init(maxObjectBytes: Int?, size: @escaping @Sendable (T) -> Int,
                strip: @escaping @Sendable (T) -> T = { CachePolicy.withoutManagedFields($0) },
                metadataOnly: @escaping @Sendable (T) -> T) {
        self.maxObjectBytes = maxObjectBytes
        self.size = size
        self.strip = strip
        self.metadataOnly = metadataOnly
    }

    /// What the informer stores for `object`, and whether that is its metadata only.
    func admit(_ object: T) -> (stored: T, truncated: Bool) {
        var stripped = strip(object)
        Self.share(&stripped.metadata, through: metadataStrings)
        guard let maxObjectBytes, size(stripped) > maxObjectBytes else { return (stripped, false) }
        return (metadataOnly(stripped), true)
    }

    /// Only `metadata.managedFields` removed: every other field stays, so nothing is lost on a write-back.
    public static func stripping() -> CachePolicy<T> {
        CachePolicy(maxObjectBytes: nil, size: { _ in 0 }, metadataOnly: { $0 })
    }

    public static func withoutManagedFields(_ object: T) -> T {
        guard object.metadata.unknownFields["managedFields"] != nil else { return object }
        var copy = object
        copy.metadata.unknownFields["managedFields"] = nil
        return copy
    }

    /// `meta` with its repeated strings taken from `pool` (equal values, shared storage).
    static func share(_ meta: inout ObjectMeta, through pool: SharedValuePool<String>) {
        if !meta.labels.isEmpty {
            meta.labels = Dictionary(uniqueKeysWithValues: meta.labels.map { (pool.shared($0.key), $0.value) })
        }
        if !meta.annotations.isEmpty {
            meta.annotations = Dictionary(uniqueKeysWithValues: meta.annotations.map { (pool.shared($0.key), $0.value) })
        }
        for index in meta.ownerReferences.indices {
            meta.ownerReferences[index].apiVersion = pool.shared(meta.ownerReferences[index].apiVersion)
        }
    }

    /// Bytes of the metadata a tenant controls: labels, annotations and unmodelled fields.
    public static func metadataBytes(_ meta: ObjectMeta) -> Int {
        var total = meta.name.utf8.count + (meta.namespace?.utf8.count ?? 0)
        for (key, value) in meta.labels { total += key.utf8.count + value.utf8.count }
        for (key, value) in meta.annotations { total += key.utf8.count + value.utf8.count }
        for reference in meta.ownerReferences { total += reference.name.utf8.count + reference.kind.utf8.count + 64 }
        for finalizer in meta.finalizers { total += finalizer.utf8.count }
        return total + jsonBytes(meta.unknownFields)
    }

    static func jsonBytes(_ object: JSONObject) -> Int {
        guard !object.isEmpty else { return 0 }
        return (try? JSONEncoder().encode(object).count) ?? Int.max / 2
    }
}

extension CachePolicy where T == Secret {
    /// Keyward-labelled Secrets: data, metadata and unmodelled fields counted; over the bound, data dropped.
    ///
    /// Values under `sharedKeys` are public and the same in many Secrets (the `ca.crt` of every Secret one CA
    /// signed): the cache keeps one copy of each (``SharedValuePool``).
    public static func secrets(maxObjectBytes: Int?, sharedKeys: Set<String> = ["ca.crt"]) -> CachePolicy<Secret> {
        let pool = SharedValuePool<Data>()
        return CachePolicy(
            maxObjectBytes: maxObjectBytes,
            size: { secret in
                secret.data.reduce(metadataBytes(secret.metadata) + jsonBytes(secret.unknownFields)) {
                    $0 + $1.key.utf8.count + $1.value.count
                }
            },
            strip: { secret in
                var copy = withoutManagedFields(secret)
                for key in sharedKeys { if let value = copy.data[key] { copy.data[key] = pool.shared(value) } }
                return copy
            },
            metadataOnly: { secret in
                var copy = Secret(metadata: secret.metadata, type: secret.type)
                copy.immutable = secret.immutable
                return copy
            })
    }
}

extension CachePolicy where T == ConfigMap {
    /// Keyward-labelled ConfigMaps (CRLs): data and binaryData counted; over the bound, both dropped.
    public static func configMaps(maxObjectBytes: Int?) -> CachePolicy<ConfigMap> {
        CachePolicy(
            maxObjectBytes: maxObjectBytes,
            size: { configMap in
                var total = metadataBytes(configMap.metadata)
                for (key, value) in configMap.data ?? [:] { total += key.utf8.count + value.utf8.count }
                for (key, value) in configMap.binaryData ?? [:] { total += key.utf8.count + value.count }
                return total
            },
            metadataOnly: { ConfigMap(metadata: $0.metadata) })
    }
}
