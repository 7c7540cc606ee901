#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A fresh scratch directory under the system temp dir, removed by ``remove()``.
struct TestDirectory {
    let root: String
    /// A not-yet-existing target inside `root` (nested, so the writer must create parents).
    var target: String { root + "/volume/secret" }

    init() throws {
        root = FileManager.default.temporaryDirectory.path + "/keyward-atomic-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    func path(_ name: String) -> String { target + "/" + name }

    /// Entries starting with "..": the writer's bookkeeping.
    func hiddenEntries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: target).filter { $0.hasPrefix("..") }.sorted()
    }

    func visibleEntries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: target).filter { !$0.hasPrefix("..") }.sorted()
    }

    func readLink(_ name: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: path(name))
    }

    /// Contents read through the visible name (following its symlink), as a consumer would.
    func contents(_ name: String) -> String? {
        FileManager.default.contents(atPath: path(name)).map { String(decoding: $0, as: UTF8.self) }
    }

    func lstatus(_ relative: String) -> stat? {
        var st = stat()
        return lstat(path(relative), &st) == 0 ? st : nil
    }

    func modificationTime(_ relative: String) -> [Int] {
        guard let st = lstatus(relative) else { return [] }
        #if canImport(Darwin)
        return [Int(st.st_mtimespec.tv_sec), Int(st.st_mtimespec.tv_nsec)]
        #else
        return [Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec)]
        #endif
    }

    func permissions(_ relative: String) -> UInt32? {
        lstatus(relative).map { UInt32($0.st_mode & 0o7777) }
    }
}
