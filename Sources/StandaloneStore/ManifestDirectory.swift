import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient

/// One object declared in a manifest file.
public struct Manifest: Sendable, Hashable {
    public var kind: ResourceKind
    public var key: StoredObjectKey
    public var object: JSONValue
    public var file: String
}

/// Reads every `*.yaml`, `*.yml` and `*.json` file below a folder (sorted, recursively) as Kubernetes manifests,
/// the way `kubectl apply -f DIR -R` would. Namespaced objects without a namespace land in `default`.
public enum ManifestDirectory {
    public static func load(_ path: String) throws(StandaloneStoreError) -> [Manifest] {
        let root = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadableManifest(file: path, reason: "no such file or directory")
        }
        let files: [String]
        if isDirectory.boolValue {
            let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
            files = (enumerator?.allObjects as? [URL] ?? [])
                .filter { ["yaml", "yml", "json"].contains($0.pathExtension) }
                .map(\.path).sorted()
        } else {
            files = [path]
        }
        var manifests: [Manifest] = []
        var seen: [StoredObjectKey: String] = [:]
        for file in files {
            for manifest in try parse(file: file) {
                if let first = seen[manifest.key] { throw .duplicate(key: manifest.key.description, files: [first, file]) }
                seen[manifest.key] = file
                manifests.append(manifest)
            }
        }
        return manifests
    }

    static func parse(file: String) throws(StandaloneStoreError) -> [Manifest] {
        // Checked on the open file before reading: a huge file is refused without being loaded, and a symlink to one
        // (or to a FIFO, which would block) is judged by what it points at.
        let bytes: Data
        do { bytes = try RegularFile.read(file, limit: YAMLValue.maximumBytes) } catch {
            throw .unreadableManifest(file: file, reason: error.description)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .unreadableManifest(file: file, reason: "not UTF-8 text")
        }
        return try parse(text, file: file)
    }

    /// The manifests in one file's text; `file` only names it in errors.
    public static func parse(_ text: String, file: String) throws(StandaloneStoreError) -> [Manifest] {
        let documents: [JSONValue]
        do { documents = try YAMLValue.documents(text) } catch { throw .unreadableManifest(file: file, reason: "\(error)") }
        var result: [Manifest] = []
        for document in documents where !document.isNull {
            // A `kind: List` (as kubectl emits) is flattened.
            if document["kind"]?.stringValue == "List", let items = document["items"]?.arrayValue {
                for item in items { result.append(try manifest(item, file: file)) }
            } else {
                result.append(try manifest(document, file: file))
            }
        }
        return result
    }

    static func manifest(_ document: JSONValue, file: String) throws(StandaloneStoreError) -> Manifest {
        guard case .object(var object) = document else {
            throw .invalidField(file: file, field: "(document)", reason: "must be a mapping, found \(document.typeName)")
        }
        guard let apiVersion = object["apiVersion"]?.stringValue, !apiVersion.isEmpty else {
            throw .invalidField(file: file, field: "apiVersion", reason: "required")
        }
        guard let kindName = object["kind"]?.stringValue, !kindName.isEmpty else {
            throw .invalidField(file: file, field: "kind", reason: "required")
        }
        guard let kind = ResourceKind.forManifest(apiVersion: apiVersion, kind: kindName) else {
            throw .unsupportedKind(file: file, apiVersion: apiVersion, kind: kindName)
        }
        guard case .object(var metadata)? = object["metadata"] else {
            throw .invalidField(file: file, field: "metadata", reason: "required")
        }
        guard let name = metadata["name"]?.stringValue, !name.isEmpty else {
            throw .invalidField(file: file, field: "metadata.name", reason: "required")
        }
        // Names become paths under --state and --out: only what the API server would accept (never "..", "/").
        if let problem = ObjectNames.nameProblem(name) {
            throw .invalidField(file: file, field: "metadata.name", reason: problem)
        }
        var namespace: String?
        if kind.isNamespaced {
            if let value = metadata["namespace"], value.stringValue == nil {
                throw .invalidField(file: file, field: "metadata.namespace", reason: "must be a string, found \(value.typeName)")
            }
            namespace = metadata["namespace"]?.stringValue ?? "default"
            if let problem = ObjectNames.namespaceProblem(namespace!) {
                throw .invalidField(file: file, field: "metadata.namespace", reason: problem)
            }
            metadata["namespace"] = .string(namespace!)
        }
        // Server-owned fields in a manifest (e.g. from `kubectl get -o yaml`) are not the user's to set.
        for field in ["uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "managedFields"] {
            metadata[field] = nil
        }
        object["metadata"] = .object(metadata)
        object["status"] = nil
        return Manifest(kind: kind, key: StoredObjectKey(resource: kind.qualifiedPlural, namespace: namespace, name: name),
                        object: .object(object), file: file)
    }
}
