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
/// rename is the single atomic step. A crash anywhere leaves `..data` on a complete version; whatever hidden
/// debris the crash left is removed by the next write. Entries starting with `..` belong to the writer.
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
        /// `..data` points at the new version; visible links and old versions are not yet reconciled.
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
        /// Test-only: called at each ``FaultPoint``; throwing aborts the write there as a crash would
        /// (no cleanup runs), surfacing as ``AtomicDirectoryError/injectedFault(_:)``.
        public var faultHook: (@Sendable (FaultPoint) throws -> Void)?

        public init(clock: any WallClock = SystemClock(), faultHook: (@Sendable (FaultPoint) throws -> Void)? = nil) {
            self.clock = clock
            self.faultHook = faultHook
        }
    }

    /// The symlink naming the current version.
    public static let dataLinkName = "..data"
    static let dataTempName = "..data_tmp"
    static let linkTempName = "..link_tmp"

    public let directory: String
    public var configuration: Configuration

    public init(directory: String, configuration: Configuration = Configuration()) {
        var path = directory
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        self.directory = path
        self.configuration = configuration
    }

    // MARK: Writing

    /// Makes `files` the directory's current version, or does nothing if it already is.
    ///
    /// Names no longer present lose their visible links once the new version is current.
    public func write(_ files: [FileSpec]) throws(AtomicDirectoryError) -> Outcome {
        var names = Set<String>()
        for file in files {
            try Self.validate(name: file.name)
            guard names.insert(file.name).inserted else { throw .duplicateFileName(file.name) }
        }
        try POSIX.makeDirectories(directory, mode: 0o755)
        return try POSIX.withExclusiveLock(on: directory) { () throws(AtomicDirectoryError) -> Outcome in
            let current = try currentVersion()
            // Recovery: anything hidden besides ..data and its target is debris of an interrupted write.
            try removeHiddenEntries(keeping: current)
            if let current, try version(current, alreadyHolds: files) {
                // Still reconcile links: an earlier write may have crashed between the swap and this step.
                try reconcileVisibleLinks(names)
                return .unchanged
            }
            let version = try makeVersionDirectory()
            for file in files {
                try POSIX.createFile(
                    path(version, file.name), contents: file.contents, mode: file.mode, groupID: file.groupID)
            }
            try POSIX.syncDirectory(path(version))
            try fault(.afterVersionWritten)

            try POSIX.makeSymlink(version, at: path(Self.dataTempName))
            try fault(.beforeSwap)
            try POSIX.rename(path(Self.dataTempName), to: path(Self.dataLinkName))
            try POSIX.syncDirectory(directory)
            try fault(.afterSwap)

            try reconcileVisibleLinks(names)
            try removeHiddenEntries(keeping: version)
            try POSIX.syncDirectory(directory)
            return .updated(version: version)
        }
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

    private func path(_ components: String...) -> String {
        ([directory] + components).joined(separator: "/")
    }

    private func version(_ version: String, alreadyHolds files: [FileSpec]) throws(AtomicDirectoryError) -> Bool {
        let existing: [FileSpec]
        do {
            existing = try readVersion(version)
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
    private func makeVersionDirectory() throws(AtomicDirectoryError) -> String {
        let stamp = Self.timestamp(configuration.clock.now)
        var lastPath = directory
        for _ in 0..<32 {
            let suffix = String(UInt32.random(in: 0...999_999_999))
            let name = "..\(stamp).\(String(repeating: "0", count: 9 - suffix.count))\(suffix)"
            lastPath = path(name)
            if mkdir(lastPath, 0o755) == 0 {
                if chmod(lastPath, 0o755) != 0 { throw POSIX.failure("chmod", lastPath) }
                return name
            }
            if errno != EEXIST { throw POSIX.failure("mkdir", lastPath) }
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

    /// Points every name at `..data/name` (creating or replacing via temp symlink + rename, so a name never
    /// disappears) and removes links of ours whose names are no longer present.
    private func reconcileVisibleLinks(_ names: Set<String>) throws(AtomicDirectoryError) {
        for name in names.sorted() {
            let visible = path(name)
            let target = Self.dataLinkName + "/" + name
            switch try POSIX.lstatus(visible).kind {
            case .symlink where try POSIX.readLink(visible) == target:
                continue
            case .directory:
                throw .unexpectedLayout(path: visible, reason: "a directory is in the way of the visible link")
            default:
                let temp = path(Self.linkTempName)
                try POSIX.removeTree(temp)
                try POSIX.makeSymlink(target, at: temp)
                try POSIX.rename(temp, to: visible)
            }
        }
        for entry in try POSIX.listDirectory(directory) where !entry.hasPrefix("..") && !names.contains(entry) {
            let visible = path(entry)
            let ours = Self.dataLinkName + "/" + entry
            if try POSIX.lstatus(visible).kind == .symlink, try POSIX.readLink(visible) == ours {
                try POSIX.removeTree(visible)
            }
        }
    }

    /// Removes every `..`-prefixed entry except `..data` and `version`: stale temp links, orphaned versions from
    /// interrupted writes, and the version that was current before a swap.
    private func removeHiddenEntries(keeping version: String?) throws(AtomicDirectoryError) {
        for entry in try POSIX.listDirectory(directory)
        where entry.hasPrefix("..") && entry != Self.dataLinkName && entry != version {
            try POSIX.removeTree(path(entry))
        }
    }

    // MARK: Reading

    /// The name of the current version directory, or `nil` before the first write.
    public func currentVersion() throws(AtomicDirectoryError) -> String? {
        let link = path(Self.dataLinkName)
        guard let target = try POSIX.readLink(link) else { return nil }
        guard target.hasPrefix(".."), !target.contains("/"), target != Self.dataLinkName else {
            throw .unexpectedLayout(path: link, reason: "..data must point at a sibling version directory")
        }
        return target
    }

    /// The current version's files, sorted by name, all from one version (empty before the first write).
    ///
    /// Consumers that open visible names one after another can straddle a swap and see a new certificate with
    /// an old key; this resolves `..data` once, reads that version, and retries if `..data` moved meanwhile.
    public func read() throws(AtomicDirectoryError) -> [FileSpec] {
        for _ in 0..<16 {
            guard let version = try currentVersion() else { return [] }
            let files: [FileSpec]
            do {
                files = try readVersion(version)
            } catch {
                // The version was removed under us by a concurrent rotation: resolve ..data again.
                if case .systemCall(_, _, let code) = error, code == ENOENT { continue }
                throw error
            }
            if try currentVersion() == version { return files }
        }
        throw .unstableVersion(path: directory)
    }

    private func readVersion(_ version: String) throws(AtomicDirectoryError) -> [FileSpec] {
        var files: [FileSpec] = []
        for name in try POSIX.listDirectory(path(version)).sorted() {
            let file = path(version, name)
            let status = try POSIX.lstatus(file)
            switch status.kind {
            case .file:
                let contents = try POSIX.readFile(file)
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
