import AtomicDirectory
import Foundation
import KeywardCore

/// The on-disk layout of standalone state: `<state>/<plural.group>/<namespace or _cluster>/<name>.json`.
enum StateFiles {
    static let clusterScope = "_cluster"

    struct ObjectFile {
        var key: StoredObjectKey
        var path: String
    }

    static func path(_ key: StoredObjectKey, stateDirectory: String) -> String {
        "\(stateDirectory)/\(key.resource)/\(key.namespace ?? clusterScope)/\(key.name).json"
    }

    static func objectFiles(in stateDirectory: String) -> [ObjectFile] {
        let fm = FileManager.default
        var files: [ObjectFile] = []
        for resource in ((try? fm.contentsOfDirectory(atPath: stateDirectory)) ?? []).sorted() where !resource.hasPrefix(".") {
            let resourceDir = "\(stateDirectory)/\(resource)"
            for scope in ((try? fm.contentsOfDirectory(atPath: resourceDir)) ?? []).sorted() {
                for file in ((try? fm.contentsOfDirectory(atPath: "\(resourceDir)/\(scope)")) ?? []).sorted()
                where file.hasSuffix(".json") && !file.hasPrefix(".") {
                    let key = StoredObjectKey(resource: resource, namespace: scope == clusterScope ? nil : scope,
                                              name: String(file.dropLast(5)))
                    files.append(ObjectFile(key: key, path: "\(resourceDir)/\(scope)/\(file)"))
                }
            }
        }
        return files
    }

    static func read(_ path: String) throws(StandaloneStoreError) -> JSONValue {
        do { return try JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw .unreadableState(file: path, reason: "\(error)")
        }
    }

    static func remove(_ key: StoredObjectKey, stateDirectory: String) throws(StandaloneStoreError) {
        let file = path(key, stateDirectory: stateDirectory)
        guard FileManager.default.fileExists(atPath: file) else { return }
        do { try FileManager.default.removeItem(atPath: file) } catch {
            throw .writeFailed(file: file, reason: error.localizedDescription)
        }
    }

    /// Writes to a temporary sibling (0600), makes it durable as `durability` says, renames it over the target and
    /// makes the rename durable: a crash at any point leaves the old file or the new one, and once this returns a
    /// power loss cannot take the new one back.
    static func writeAtomically(_ data: Data, to path: String, durability: Durability) throws(StandaloneStoreError) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(directory)/.\((path as NSString).lastPathComponent).\(UUID().uuidString).tmp"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            defer { close(fd) }
            try data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                    }
                    offset += n
                }
            }
            try durability.sync(fd, path: temporary)
            guard rename(temporary, path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            let parent = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard parent >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            defer { close(parent) }
            try durability.sync(parent, path: directory)
        } catch {
            unlink(temporary)
            throw .writeFailed(file: path, reason: "\(error)")
        }
    }
}

/// Which objects came from manifests, and the hash of each manifest as last applied.
struct ManifestIndex: Equatable {
    var hashes: [StoredObjectKey: String] = [:]

    static func file(_ stateDirectory: String) -> String { "\(stateDirectory)/.manifests.json" }

    static func load(stateDirectory: String) throws(StandaloneStoreError) -> ManifestIndex {
        let path = file(stateDirectory)
        guard FileManager.default.fileExists(atPath: path) else { return ManifestIndex() }
        var index = ManifestIndex()
        for entry in try StateFiles.read(path).arrayValue ?? [] {
            guard let resource = entry["resource"]?.stringValue, let name = entry["name"]?.stringValue,
                let hash = entry["hash"]?.stringValue
            else { throw .unreadableState(file: path, reason: "entry without resource, name or hash") }
            index.hashes[StoredObjectKey(resource: resource, namespace: entry["namespace"]?.stringValue, name: name)] = hash
        }
        return index
    }

    func save(stateDirectory: String, durability: Durability) throws(StandaloneStoreError) {
        let entries: [JSONValue] = hashes.keys.sorted().map { key in
            var entry: JSONObject = ["resource": .string(key.resource), "name": .string(key.name), "hash": .string(hashes[key]!)]
            if let namespace = key.namespace { entry["namespace"] = .string(namespace) }
            return .object(entry)
        }
        try StateFiles.writeAtomically(JSONValue.array(entries).serialized(), to: Self.file(stateDirectory),
                                       durability: durability)
    }
}
