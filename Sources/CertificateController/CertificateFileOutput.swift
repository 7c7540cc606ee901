import AtomicDirectory
import ControllerRuntime
import KeywardCore
import Foundation
import KeywardAPI
import KeywardPKI
import KubernetesClient
import KubernetesResources

/// How Certificates' folders are laid out below the files root.
public enum CertificateFilesLayout: Sendable, Hashable {
    /// `keyward controller --volume-root`: every Certificate writes below `<root>/<namespace>/`, `files.subPath`
    /// relative to that (default `<name>`), so a tenant's Certificate can never reach another namespace's folder.
    case perNamespace
    /// `keyward run --out`: `<root>/<subPath>` (default `<namespace>/<name>`); the manifests' author owns the
    /// whole tree.
    case sharedRoot
}

/// Writes a Certificate's files on the shared volume: into its own folder only, never through a symlink, and never
/// into a folder another Certificate already uses.
///
/// Only the root is trusted; every component below it is opened with `O_NOFOLLOW` (``AtomicDirectoryWriter``'s
/// confined mode). The folder is claimed for the Certificate (`namespace/name` in the writer's hidden owner file);
/// a second Certificate aiming at it gets ``Problem`` `FilesConflict` unless the first is gone or now writes
/// elsewhere, in which case the claim passes on.
struct CertificateFileOutput {
    /// Why the files were not written, for `Ready=False` and a Warning Event. Never carries file contents.
    struct Problem: Sendable, Hashable {
        var reason: String
        var message: String
    }

    let store: any ResourceStore
    let root: String
    let layout: CertificateFilesLayout
    let durability: Durability

    /// The folder's path components below the root. `files.subPath` has passed validation (plain components, no
    /// `..`, nothing absolute or empty); the writer checks each component again.
    static func components(namespace: String, name: String, files: Certificate.Files,
                           layout: CertificateFilesLayout) -> [String] {
        switch layout {
        case .perNamespace:
            [namespace] + (files.subPath.map(split) ?? [name])
        case .sharedRoot:
            split(files.effectiveSubPath(namespace: namespace, name: name))
        }
    }

    private static func split(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    }

    /// The claim a Certificate puts on its folder.
    static func owner(namespace: String, name: String) -> String { "\(namespace)/\(name)" }

    /// Writes the certificate material of `secret` into the Certificate's folder; returns why not when refused.
    func write(_ certificate: Certificate, secret: Secret) async throws -> Problem? {
        guard let files = certificate.spec.files, let specs = Self.fileSpecs(files, secret: secret) else { return nil }
        let namespace = certificate.metadata.namespace ?? "default"
        let components = Self.components(namespace: namespace, name: certificate.metadata.name, files: files, layout: layout)
        let writer = AtomicDirectoryWriter(root: root, confinedComponents: components,
                                           configuration: .init(durability: durability))
        let me = Self.owner(namespace: namespace, name: certificate.metadata.name)
        do {
            try await Self.write(writer, specs, owner: me)
            return nil
        } catch .claimedByOther(let path, let other) {
            guard try await claimIsStale(other, components: components) else {
                return Problem(reason: Certificate.Reason.filesConflict,
                               message: "files folder \(path) is already used by Certificate \(other); set a different spec.files.subPath")
            }
            do {
                try await Self.write(writer, specs, owner: me, replacing: other)
                return nil
            } catch {
                return try refusal(error)
            }
        } catch {
            return try refusal(error)
        }
    }

    /// The write's fsyncs and directory operations run on the file I/O threads, not a cooperative one.
    private static func write(_ writer: AtomicDirectoryWriter, _ specs: [FileSpec], owner: String,
                              replacing stale: String? = nil) async throws(AtomicDirectoryError) {
        try await HeavyWorkPool.fileIO.perform { () throws(AtomicDirectoryError) in
            _ = try writer.write(specs, owner: owner, replacing: stale)
        }
    }

    /// A symlink on the way is refused as a condition; anything else (disk full, permissions) is an error the
    /// work queue retries.
    private func refusal(_ error: AtomicDirectoryError) throws -> Problem {
        switch error {
        case .symlinkInPath(let path):
            return Problem(reason: Certificate.Reason.filesRefused,
                           message: "\(path) is a symlink: files are never written through symlinks; remove it")
        case .claimedByOther(let path, let other):
            return Problem(reason: Certificate.Reason.filesConflict,
                           message: "files folder \(path) is already used by Certificate \(other); set a different spec.files.subPath")
        default:
            throw error
        }
    }

    /// Whether the Certificate that claimed a folder no longer exists or no longer writes there.
    private func claimIsStale(_ owner: String, components: [String]) async throws -> Bool {
        let parts = owner.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return false }  // not a claim we wrote: leave the folder alone
        guard let other = try await store.get(Certificate.self, namespace: parts[0], name: parts[1]),
            !other.metadata.isBeingDeleted, let files = other.spec.files
        else { return true }
        return Self.components(namespace: parts[0], name: parts[1], files: files, layout: layout) != components
    }

    /// The files of `secret` under the spec's names and modes; nil while the Secret holds no readable chain.
    static func fileSpecs(_ files: Certificate.Files, secret: Secret) -> [FileSpec]? {
        // Split as text: the reconciler has already read the leaf from this Secret (or just issued it), so the
        // blocks only need separating, not parsing again.
        guard let fullchain = secret.string(CertificateSecret.certificateKey),
            let keyPEM = secret.string(CertificateSecret.privateKeyKey),
            let blocks = try? PEMBundle.certificateBlocks(from: fullchain), let leaf = blocks.first
        else { return nil }
        let chain = blocks.dropFirst().joined()
        let group = files.group.map { UInt32($0) }
        let mode = UInt32(files.mode.permissions ?? 0o644)
        var specs = [
            FileSpec(name: files.names.certificate, contents: Data(leaf.utf8), mode: mode),
            FileSpec(name: files.names.chain, contents: Data(chain.utf8), mode: mode),
            FileSpec(name: files.names.fullchain, contents: Data(fullchain.utf8), mode: mode),
            FileSpec(name: files.names.privateKey, contents: Data(keyPEM.utf8),
                     mode: UInt32(files.privateKeyMode.permissions ?? 0o640), groupID: group),
            FileSpec(name: files.names.ca, contents: Data((secret.string(CertificateSecret.caKey) ?? "").utf8), mode: mode),
        ]
        if let crl = secret.data[CertificateSecret.crlKey] {
            specs.append(FileSpec(name: files.names.crl, contents: crl, mode: mode))
        }
        return specs
    }
}
