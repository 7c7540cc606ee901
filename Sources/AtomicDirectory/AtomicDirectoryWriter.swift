#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import KeywardCore

/// Writes a set of files that must change together (a certificate and its key) so that readers see either the
/// whole old set or the whole new set, never a mix: the kubelet's Secret-volume scheme.
///
/// Layout of the target directory:
///
///     ..2025_01_31_12_00_00.123456789/   one complete version (hidden, timestamped, unique)
///     ..data -> ..2025_01_31_12_00_00.123456789
///     tls.crt -> ..data/tls.crt            visible names resolve through ..data
///     tls.key -> ..data/tls.key
///
/// A write fills a fresh version directory, fsyncs it, then `rename(2)`s a temporary symlink over `..data`: that
/// rename is the single atomic step. Durability costs one fsync per file, one for the version directory and one
/// for the target directory after the swap (claim, links and swap together); with ``Durability/grouped(_:)`` two
/// shared `syncfs` rounds stand for them. A crash anywhere leaves `..data` on a complete version; whatever hidden
/// debris the crash left is removed by the next write. Entries starting with `..` belong to the writer.
///
/// Everything inside the target directory is done relative to one open descriptor of it (``DirectoryHandle``), so
/// the path above it is resolved once; with ``init(root:confinedComponents:configuration:)`` that resolution itself
/// refuses symlinks below the trusted root.
///
/// All work is synchronous POSIX I/O (fsync, and a blocking `flock` that serializes writers of one directory
/// across threads and processes). Writes are small and rare, so callers in async code may call it directly; a
/// caller that must not block a cooperative thread runs it on its own thread.
public struct AtomicDirectoryWriter: Sendable {
    /// Places in ``write(_:)`` where a test can simulate a crash.
    public enum FaultPoint: String, Sendable, Hashable, CaseIterable {
        /// The new version directory is complete and synced; `..data` still points at the old one.
        case afterVersionWritten
        /// `..data_tmp` points at the new version but has not been renamed over `..data`.
        case beforeSwap
        /// `..data` points at the new version; stale links and old versions are not yet removed.
        case afterSwap
    }

    public enum Outcome: Sendable, Hashable {
        /// The current version already held exactly these files; nothing was written.
        case unchanged
        /// A new version (the hidden directory's name) is now current.
        case updated(version: String)
    }

    public struct Configuration: Sendable {
        /// Names version directories; inject a `ManualClock` for predictable names in tests.
        public var clock: any WallClock
        /// How the version and the swap are made durable; the order of the steps is the same either way.
        public var durability: Durability
        /// Test-only: called at each ``FaultPoint``; throwing aborts the write there as a crash would
        /// (no cleanup runs), surfacing as ``AtomicDirectoryError/injectedFault(_:)``.
        public var faultHook: (@Sendable (FaultPoint) throws -> Void)?

        public init(clock: any WallClock = SystemClock(), durability: Durability = .eachFile,
                    faultHook: (@Sendable (FaultPoint) throws -> Void)? = nil) {
            self.clock = clock
            self.durability = durability
            self.faultHook = faultHook
        }
    }

    /// The symlink naming the current version.
    public static let dataLinkName = "..data"
    /// Who claimed the directory (``write(_:owner:replacing:)``); hidden, so readers and links never see it.
    public static let ownerFileName = "..owner"
    /// Reads of what a consumer may have replaced are bounded: an owner is `namespace/name` (under 320 bytes), and a
    /// version file something this writer wrote, well under a Kubernetes Secret's 1 MiB.
    static let ownerFileLimit = 4096
    static let versionFileLimit = 4 * 1024 * 1024
    static let dataTempName = "..data_tmp"
    static let linkTempName = "..link_tmp"
    static let ownerTempName = "..owner_tmp"

    /// The target directory's path, for messages and for callers that read it back.
    public let directory: String
    public var configuration: Configuration
    /// Where symlinks stop being trusted: ``directory`` is `root` followed by `confinedComponents`.
    private let root: String
    private let confinedComponents: [String]

    /// A writer for `directory`, created with its parents if missing. The whole path is trusted (symlinks in it are
    /// followed), as for a directory an administrator or a pod spec chose.
    public init(directory: String, configuration: Configuration = Configuration()) {
        var path = directory
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        self.directory = path
        self.root = path
        self.confinedComponents = []
        self.configuration = configuration
    }

    /// A writer for `root/components…` that trusts only `root`: every component below it is opened with
    /// `O_NOFOLLOW | O_DIRECTORY` (and created if missing), so a symlink placed on the way by anyone who can write
    /// the volume is refused (``AtomicDirectoryError/symlinkInPath(path:)``) and nothing is written through it.
    /// Components must be plain names (``validate(name:)``); the caller validates them before.
    public init(root: String, confinedComponents components: [String], configuration: Configuration = Configuration()) {
        var path = root
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        self.root = path
        self.confinedComponents = components
        self.directory = ([path == "/" ? "" : path] + components).joined(separator: "/")
        self.configuration = configuration
    }

    /// The target directory, opened without following symlinks below ``root``; nil when it does not exist and
    /// `create` is false.
    private func open(create: Bool) throws(AtomicDirectoryError) -> DirectoryHandle? {
        for component in confinedComponents { try Self.validate(name: component) }
        if create {
            try POSIX.makeDirectories(root, mode: 0o755)
        } else if try POSIX.lstatus(root).kind == .missing {
            return nil
        }
        do {
            return try DirectoryHandle.openBeneath(root, components: confinedComponents, create: create)
        } catch {
            if !create, case .systemCall(_, _, let code) = error, code == ENOENT { return nil }
            throw error
        }
    }

    // MARK: Writing

    /// Makes `files` the directory's current version, or does nothing if it already is.
    ///
    /// Names no longer present lose their visible links once the new version is current. With `owner` the
    /// directory is claimed for it first (the hidden ``ownerFileName``): a directory another owner claimed is
    /// refused with ``AtomicDirectoryError/claimedByOther(path:owner:)`` and left as it is, unless that owner is
    /// `replacing` (one the caller established is gone), whose claim passes to `owner`.
    public func write(_ files: [FileSpec], owner: String? = nil,
                      replacing stale: String? = nil) throws(AtomicDirectoryError) -> Outcome {
        var names = Set<String>()
        for file in files {
            try Self.validate(name: file.name)
            guard names.insert(file.name).inserted else { throw .duplicateFileName(file.name) }
        }
        guard let dir = try open(create: true) else { throw POSIX.failure("open", directory, ENOENT) }
        return try dir.withExclusiveLock { () throws(AtomicDirectoryError) -> Outcome in
            var claimed = false
            if let owner { claimed = try claim(dir, for: owner, replacing: stale) }
            let current = try currentVersion(in: dir)
            // Recovery: anything hidden besides ..data and its target is debris of an interrupted write.
            let recovered = try removeHiddenEntries(dir, keeping: current)
            if let current, try version(current, in: dir, alreadyHolds: files) {
                // Still reconcile links: an earlier write may have crashed between the swap and this step.
                let linked = try linkVisibleNames(dir, names)
                try removeStaleLinks(dir, keeping: names)
                // Debris means a write was interrupted, perhaps between its swap and the sync after it: sync now, so
                // the version this call reports as current is durably so.
                if claimed || linked || recovered { try dir.sync(configuration.durability) }
                return .unchanged
            }
            let durability = configuration.durability
            let version = try makeVersionDirectory(dir)
            let versionDir = try dir.openChild(version, create: false)
            for file in files {
                try versionDir.createFile(file.name, contents: file.contents, mode: file.mode, groupID: file.groupID,
                                          sync: durability.syncsEachFile)
            }
            // Grouped: one round covers the files, the version directory and its entry in the target directory.
            try versionDir.sync(durability)
            try fault(.afterVersionWritten)

            try dir.makeSymlink(version, at: Self.dataTempName)
            // Links for new names go in before the swap: until it they resolve to nothing, as those names did
            // before, and the one directory sync below makes links, claim and swap durable together.
            try linkVisibleNames(dir, names)
            try fault(.beforeSwap)
            try dir.rename(Self.dataTempName, to: Self.dataLinkName)
            try dir.sync(durability)
            try fault(.afterSwap)

            // Removals are not synced: whatever a crash brings back is debris the next write removes.
            try removeStaleLinks(dir, keeping: names)
            _ = try removeHiddenEntries(dir, keeping: version)
            return .updated(version: version)
        }
    }

    /// The owner that claimed the directory, or nil (no claim, or no directory).
    public func owner() throws(AtomicDirectoryError) -> String? {
        guard let dir = try open(create: false) else { return nil }
        return try claimant(in: dir)
    }

    private func claimant(in dir: DirectoryHandle) throws(AtomicDirectoryError) -> String? {
        guard try dir.lstatus(Self.ownerFileName).kind != .missing else { return nil }
        return String(decoding: try dir.readFile(Self.ownerFileName, limit: Self.ownerFileLimit), as: UTF8.self)
    }

    /// Claims the directory for `owner`; true when the claim changed (the caller's next directory sync makes it
    /// durable: a claim lost to a crash before any file is written protects nothing yet).
    private func claim(_ dir: DirectoryHandle, for owner: String, replacing stale: String?) throws(AtomicDirectoryError) -> Bool {
        let existing = try claimant(in: dir)
        if existing == owner { return false }
        if let existing, existing != stale { throw .claimedByOther(path: directory, owner: existing) }
        try dir.removeTree(Self.ownerTempName)
        // Fsynced whatever the durability: the claim is renamed into place before any group round, and one that
        // survived a crash empty would lock the folder against its own owner. Claims are once per folder.
        try dir.createFile(Self.ownerTempName, contents: Data(owner.utf8), mode: 0o644, groupID: nil)
        try dir.rename(Self.ownerTempName, to: Self.ownerFileName)
        return true
    }

    /// Rejects names that could escape the directory or collide with the writer's hidden entries.
    public static func validate(name: String) throws(AtomicDirectoryError) {
        let reason: String? =
            if name.isEmpty { "empty" }
            else if name == "." { "'.' is the directory itself" }
            else if name.contains("/") { "contains '/'" }
            else if name.hasPrefix("..") { "starts with '..' (reserved for the writer's hidden entries)" }
            else if name.contains("..") { "contains '..'" }
            else if name.utf8.contains(0) { "contains a NUL byte" }
            else if name.utf8.count > 255 { "longer than 255 bytes" }
            else { nil }
        if let reason { throw .invalidFileName(name, reason: reason) }
    }

    private func fault(_ point: FaultPoint) throws(AtomicDirectoryError) {
        guard let hook = configuration.faultHook else { return }
        do { try hook(point) } catch { throw .injectedFault(point) }
    }

    private func version(_ version: String, in dir: DirectoryHandle,
                         alreadyHolds files: [FileSpec]) throws(AtomicDirectoryError) -> Bool {
        let existing: [FileSpec]
        do {
            existing = try readVersion(version, in: dir)
        } catch {
            // A dangling ..data (its version vanished) is repaired by writing a fresh version.
            if case .systemCall(_, _, let code) = error, code == ENOENT { return false }
            throw error
        }
        guard existing.count == files.count else { return false }
        let byName = Dictionary(uniqueKeysWithValues: existing.map { ($0.name, $0) })
        return files.allSatisfy { file in byName[file.name].map(file.isSatisfied(by:)) ?? false }
    }

    /// `..YYYY_MM_DD_HH_MM_SS.NNNNNNNNN` in UTC; the random suffix keeps same-second writes apart.
    private func makeVersionDirectory(_ dir: DirectoryHandle) throws(AtomicDirectoryError) -> String {
        let stamp = Self.timestamp(configuration.clock.now)
        var lastPath = directory
        for _ in 0..<32 {
            let suffix = String(UInt32.random(in: 0...999_999_999))
            let name = "..\(stamp).\(String(repeating: "0", count: 9 - suffix.count))\(suffix)"
            lastPath = dir.child(name)
            if try dir.makeDirectory(name, mode: 0o755) { return name }
        }
        throw POSIX.failure("mkdir", lastPath, EEXIST)
    }

    static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return [pad(parts.tm_year + 1900, 4), pad(parts.tm_mon + 1, 2), pad(parts.tm_mday, 2),
                pad(parts.tm_hour, 2), pad(parts.tm_min, 2), pad(parts.tm_sec, 2)].joined(separator: "_")
    }

    /// Points every name at `..data/name`: a missing name is linked directly, anything else in the way is replaced
    /// via temp symlink + rename, so a name never disappears. True when a link changed.
    @discardableResult
    private func linkVisibleNames(_ dir: DirectoryHandle, _ names: Set<String>) throws(AtomicDirectoryError) -> Bool {
        var changed = false
        for name in names.sorted() {
            let target = Self.dataLinkName + "/" + name
            switch try dir.lstatus(name).kind {
            case .symlink where try dir.readLink(name) == target:
                continue
            case .directory:
                throw .unexpectedLayout(path: dir.child(name), reason: "a directory is in the way of the visible link")
            case .missing:
                try dir.makeSymlink(target, at: name)
            default:
                try dir.removeTree(Self.linkTempName)
                try dir.makeSymlink(target, at: Self.linkTempName)
                try dir.rename(Self.linkTempName, to: name)
            }
            changed = true
        }
        return changed
    }

    /// Removes links of ours whose names are no longer present.
    private func removeStaleLinks(_ dir: DirectoryHandle, keeping names: Set<String>) throws(AtomicDirectoryError) {
        for entry in try dir.list() where !entry.hasPrefix("..") && !names.contains(entry) {
            let ours = Self.dataLinkName + "/" + entry
            if try dir.lstatus(entry).kind == .symlink, try dir.readLink(entry) == ours {
                try dir.removeTree(entry)
            }
        }
    }

    /// Removes every `..`-prefixed entry except `..data`, the owner claim and `version`: stale temp links, orphaned
    /// versions from interrupted writes, and the version that was current before a swap.
    /// True when there was anything to remove.
    private func removeHiddenEntries(_ dir: DirectoryHandle, keeping version: String?) throws(AtomicDirectoryError) -> Bool {
        var removed = false
        for entry in try dir.list()
        where entry.hasPrefix("..") && entry != Self.dataLinkName && entry != Self.ownerFileName && entry != version {
            try dir.removeTree(entry)
            removed = true
        }
        return removed
    }

    // MARK: Reading

    /// The name of the current version directory, or `nil` before the first write.
    public func currentVersion() throws(AtomicDirectoryError) -> String? {
        guard let dir = try open(create: false) else { return nil }
        return try currentVersion(in: dir)
    }

    private func currentVersion(in dir: DirectoryHandle) throws(AtomicDirectoryError) -> String? {
        guard let target = try dir.readLink(Self.dataLinkName) else { return nil }
        guard target.hasPrefix(".."), target != "..", !target.contains("/"), target != Self.dataLinkName,
            target != Self.ownerFileName
        else {
            throw .unexpectedLayout(path: dir.child(Self.dataLinkName),
                                    reason: "..data must point at a sibling version directory")
        }
        return target
    }

    /// The current version's files, sorted by name, all from one version (empty before the first write).
    ///
    /// Consumers that open visible names one after another can straddle a swap and see a new certificate with
    /// an old key; this resolves `..data` once, reads that version, and retries if `..data` moved meanwhile.
    public func read() throws(AtomicDirectoryError) -> [FileSpec] {
        guard let dir = try open(create: false) else { return [] }
        for _ in 0..<16 {
            guard let version = try currentVersion(in: dir) else { return [] }
            let files: [FileSpec]
            do {
                files = try readVersion(version, in: dir)
            } catch {
                // The version was removed under us by a concurrent rotation: resolve ..data again.
                if case .systemCall(_, _, let code) = error, code == ENOENT { continue }
                throw error
            }
            if try currentVersion(in: dir) == version { return files }
        }
        throw .unstableVersion(path: directory)
    }

    private func readVersion(_ version: String, in dir: DirectoryHandle) throws(AtomicDirectoryError) -> [FileSpec] {
        var files: [FileSpec] = []
        let versionDir = try dir.openChild(version, create: false)
        for name in try versionDir.list().sorted() {
            let file = versionDir.child(name)
            let status = try versionDir.lstatus(name)
            switch status.kind {
            case .file:
                let contents = try versionDir.readFile(name, limit: Self.versionFileLimit)
                files.append(FileSpec(name: name, contents: contents, mode: status.mode, groupID: status.groupID))
            case .missing:
                throw POSIX.failure("lstat", file, ENOENT)
            default:
                throw .unexpectedLayout(path: file, reason: "version directories hold only regular files")
            }
        }
        return files
    }
}
