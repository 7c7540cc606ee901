#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import AtomicDirectory

/// Writers that trust only a root: symlinks below it are refused, never followed, and a directory claimed by one
/// owner is refused to another.
@Suite struct ConfinedWriteTests {
    private let key = [FileSpec(name: "privkey.pem", contents: Data("key\n".utf8), mode: 0o640)]

    @Test func writesBelowTheRootCreatingEachComponent() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let writer = AtomicDirectoryWriter(root: dir.root + "/volume", confinedComponents: ["shop", "web", "tls"])
        #expect(writer.directory == dir.root + "/volume/shop/web/tls")
        #expect(try writer.read().isEmpty)
        _ = try writer.write(key)
        #expect(FileManager.default.contents(atPath: writer.directory + "/privkey.pem") == Data("key\n".utf8))
        #expect(try writer.read().map(\.name) == ["privkey.pem"])
    }

    /// A symlink anywhere below the root (here the middle component, aimed at another tenant's folder) stops the
    /// write before anything is created through it.
    @Test(arguments: [0, 1, 2])
    func symlinkedComponentIsRefusedAndNothingIsWrittenThroughIt(at index: Int) throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let root = dir.root + "/volume"
        let victim = dir.root + "/victim"
        try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: true)
        let components = ["shop", "web", "tls"]
        let prefix = ([root] + components.prefix(index)).joined(separator: "/")
        try FileManager.default.createDirectory(atPath: prefix, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: prefix + "/" + components[index], withDestinationPath: victim)

        let writer = AtomicDirectoryWriter(root: root, confinedComponents: components)
        #expect(throws: AtomicDirectoryError.symlinkInPath(path: prefix + "/" + components[index])) {
            try writer.write(key)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: victim).isEmpty)
        // Reads refuse the same way rather than reading through the link.
        #expect(throws: AtomicDirectoryError.symlinkInPath(path: prefix + "/" + components[index])) {
            try writer.read()
        }
    }

    @Test func trustedRootMayItselfBeASymlink() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.root + "/real", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.root + "/volume", withDestinationPath: dir.root + "/real")
        _ = try AtomicDirectoryWriter(root: dir.root + "/volume", confinedComponents: ["shop"]).write(key)
        #expect(FileManager.default.fileExists(atPath: dir.root + "/real/shop/privkey.pem"))
    }

    @Test(arguments: ["..", ".", "", "a/b", "..data"])
    func componentsMustBePlainNames(_ component: String) throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let writer = AtomicDirectoryWriter(root: dir.root, confinedComponents: ["shop", component])
        #expect(throws: AtomicDirectoryError.self) { try writer.write(key) }
        #expect(!FileManager.default.fileExists(atPath: dir.root + "/shop/privkey.pem"))
    }

    @Test func aClaimedDirectoryIsRefusedToAnotherOwnerUntilReleasedAsStale() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let writer = AtomicDirectoryWriter(root: dir.root, confinedComponents: ["shop", "web"])
        _ = try writer.write(key, owner: "shop/web")
        #expect(try writer.owner() == "shop/web")
        #expect(try writer.write(key, owner: "shop/web") == .unchanged)

        let before = try writer.read()
        let intruder = [FileSpec(name: "privkey.pem", contents: Data("other\n".utf8), mode: 0o640)]
        #expect(throws: AtomicDirectoryError.claimedByOther(path: writer.directory, owner: "shop/web")) {
            try writer.write(intruder, owner: "shop/other")
        }
        #expect(try writer.read() == before)

        // The caller established that shop/web is gone: the claim passes on.
        #expect(try writer.write(intruder, owner: "shop/other", replacing: "shop/web") != .unchanged)
        #expect(try writer.owner() == "shop/other")
        #expect(try writer.read().map(\.contents) == [Data("other\n".utf8)])
        // The claim is hidden bookkeeping: no visible entry, and the next write keeps it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: writer.directory).filter { !$0.hasPrefix("..") }
            == ["privkey.pem"])
        _ = try writer.write(key, owner: "shop/other")
        #expect(try writer.owner() == "shop/other")
    }
}
