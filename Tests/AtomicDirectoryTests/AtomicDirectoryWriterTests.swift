#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import KeywardCore
import Testing
@testable import AtomicDirectory

private func pair(_ tag: String, extra: [FileSpec] = []) -> [FileSpec] {
    [
        FileSpec(name: "cert.pem", contents: Data("certificate \(tag)\n".utf8), mode: 0o644),
        FileSpec(name: "privkey.pem", contents: Data("key \(tag)\n".utf8), mode: 0o640),
    ] + extra
}

private struct Crash: Error {}

@Suite struct AtomicDirectoryWriterTests {
    @Test func firstWriteCreatesVersionDataLinkAndVisibleLinks() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        // 1_800_000_000 s = 2027-01-15 08:00:00 UTC.
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_800_000_000))
        let writer = AtomicDirectoryWriter(directory: dir.target, configuration: .init(clock: clock))

        let outcome = try writer.write(pair("v1"))

        guard case .updated(let version) = outcome else {
            Issue.record("first write reported \(outcome)")
            return
        }
        #expect(version.hasPrefix("..2027_01_15_08_00_00."))
        #expect(version.count == "..2027_01_15_08_00_00.".count + 9)
        #expect(version.suffix(9).allSatisfy { $0.isNumber })
        #expect(try dir.hiddenEntries() == [AtomicDirectoryWriter.dataLinkName, version].sorted())
        #expect(dir.readLink("..data") == version)
        #expect(try dir.visibleEntries() == ["cert.pem", "privkey.pem"])
        #expect(dir.readLink("cert.pem") == "..data/cert.pem")
        #expect(dir.readLink("privkey.pem") == "..data/privkey.pem")
        #expect(dir.contents("cert.pem") == "certificate v1\n")
        #expect(dir.contents("privkey.pem") == "key v1\n")
        #expect(dir.permissions("") == 0o755)
        #expect(dir.permissions(version) == 0o755)
        #expect(try writer.currentVersion() == version)
        #expect(try writer.read().map(\.name) == ["cert.pem", "privkey.pem"])
    }

    @Test func readBeforeAnyWriteIsEmpty() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let writer = AtomicDirectoryWriter(directory: dir.target)
        #expect(try writer.read().isEmpty)
        #expect(try writer.currentVersion() == nil)
    }

    @Test func identicalContentIsUnchangedAndTouchesNothing() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let writer = AtomicDirectoryWriter(directory: dir.target)
        guard case .updated(let version) = try writer.write(pair("v1")) else {
            Issue.record("first write did not update")
            return
        }
        let watched = ["", "..data", version, version + "/cert.pem", version + "/privkey.pem", "cert.pem"]
        let before = watched.map(dir.modificationTime)
        let hiddenBefore = try dir.hiddenEntries()

        #expect(try writer.write(pair("v1")) == .unchanged)
        #expect(try writer.write(pair("v1").reversed()) == .unchanged)

        #expect(try dir.hiddenEntries() == hiddenBefore)
        #expect(watched.map(dir.modificationTime) == before)
    }

    @Test func modeOrGroupChangeIsAChange() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let writer = AtomicDirectoryWriter(directory: dir.target)
        _ = try writer.write(pair("v1"))
        var tighter = pair("v1")
        tighter[0].mode = 0o600
        #expect(try writer.write(tighter) != .unchanged)
        #expect(try writer.read().first?.mode == 0o600)

        // A nil group means "any group"; naming the group the files already have is no change.
        let currentGroup = try #require(try writer.read().first?.groupID)
        let sameGroup = tighter.map { var f = $0; f.groupID = currentGroup; return f }
        #expect(try writer.write(sameGroup) == .unchanged)
    }

    @Test func changedContentSwapsAndRemovesOldVersionAndDroppedNames() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let writer = AtomicDirectoryWriter(directory: dir.target)
        let ca = FileSpec(name: "ca.crt", contents: Data("ca\n".utf8))
        guard case .updated(let v1) = try writer.write(pair("v1", extra: [ca])) else {
            Issue.record("first write did not update")
            return
        }
        #expect(try dir.visibleEntries() == ["ca.crt", "cert.pem", "privkey.pem"])

        guard case .updated(let v2) = try writer.write(pair("v2")) else {
            Issue.record("changed content did not update")
            return
        }

        #expect(v2 != v1)
        #expect(try dir.hiddenEntries() == ["..data", v2].sorted())
        #expect(dir.readLink("..data") == v2)
        #expect(try dir.visibleEntries() == ["cert.pem", "privkey.pem"])
        #expect(dir.contents("cert.pem") == "certificate v2\n")
        #expect(dir.contents("privkey.pem") == "key v2\n")
        #expect(try writer.read() == pair("v2").map {
            var f = $0
            f.groupID = dir.lstatus(v2 + "/" + $0.name).map { UInt32($0.st_gid) }
            return f
        })
    }

    @Test func requestedModesAreAppliedExactlyDespiteUmask() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let writer = AtomicDirectoryWriter(directory: dir.target)
        let files = pair("v1") + [FileSpec(name: "shared", contents: Data("s".utf8), mode: 0o666)]
        guard case .updated(let version) = try writer.write(files) else {
            Issue.record("write did not update")
            return
        }
        #expect(dir.permissions(version + "/privkey.pem") == 0o640)
        #expect(dir.permissions(version + "/cert.pem") == 0o644)
        // 0666 survives a typical 022 umask only because the writer sets the mode explicitly.
        #expect(dir.permissions(version + "/shared") == 0o666)
        #expect(try writer.read().map(\.mode) == [0o644, 0o640, 0o666])
    }

    @Test func groupOwnershipIsApplied() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let writer = AtomicDirectoryWriter(directory: dir.target)
        // Root may hand files to any group; anyone else may use their own group.
        let group: UInt32 = geteuid() == 0 ? 4242 : UInt32(getegid())
        let files = pair("v1").map { var f = $0; f.groupID = group; return f }
        guard case .updated(let version) = try writer.write(files) else {
            Issue.record("write did not update")
            return
        }
        #expect(dir.lstatus(version + "/privkey.pem").map { UInt32($0.st_gid) } == group)
        #expect(dir.permissions(version + "/privkey.pem") == 0o640)
        #expect(try writer.read().allSatisfy { $0.groupID == group })
        #expect(try writer.write(files) == .unchanged)
    }

    @Test(arguments: ["", ".", "a/b", "/abs", "..data", "..hidden", "a..b", "..", "x\u{0}y"])
    func unsafeNamesAreRefusedBeforeTouchingTheDisk(name: String) throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let writer = AtomicDirectoryWriter(directory: dir.target)
        #expect {
            try writer.write([FileSpec(name: name, contents: Data())])
        } throws: { error in
            guard case .invalidFileName(let rejected, _) = error as? AtomicDirectoryError else { return false }
            return rejected == name
        }
        #expect(!FileManager.default.fileExists(atPath: dir.target))
    }

    @Test func duplicateNamesAreRefused() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let writer = AtomicDirectoryWriter(directory: dir.target)
        #expect(throws: AtomicDirectoryError.duplicateFileName("cert.pem")) {
            try writer.write(pair("a") + [FileSpec(name: "cert.pem", contents: Data())])
        }
    }

    @Test func systemCallFailuresCarryOperationPathAndErrno() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let blocker = dir.root + "/volume"
        #expect(FileManager.default.createFile(atPath: blocker, contents: Data()))
        let writer = AtomicDirectoryWriter(directory: dir.target)
        let error = #expect(throws: AtomicDirectoryError.self) { try writer.write(pair("v1")) }
        // The writer probes the path before creating it; the probe already meets the file in the way.
        #expect(error == .systemCall(operation: "lstat", path: dir.target, errno: ENOTDIR))
        #expect(error?.errnoDescription == String(cString: strerror(ENOTDIR)))
        #expect(error.map { "\($0)" }?.contains(dir.target) == true)
    }

    @Test func directoryInTheWayOfAVisibleNameIsReported() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.path("cert.pem"), withIntermediateDirectories: true)
        let writer = AtomicDirectoryWriter(directory: dir.target)
        #expect {
            try writer.write(pair("v1"))
        } throws: { error in
            guard case .unexpectedLayout(let path, _) = error as? AtomicDirectoryError else { return false }
            return path == dir.path("cert.pem")
        }
    }

    /// With each durability: the group commit changes how the steps reach the disk, not their order.
    @Test(arguments: AtomicDirectoryWriter.FaultPoint.allCases, [false, true])
    func crashLeavesACompleteVersionVisibleAndNextWriteRecovers(at point: AtomicDirectoryWriter.FaultPoint,
                                                                grouped: Bool) throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let commit = GroupCommit()
        let durability: Durability = grouped ? .grouped(commit) : .eachFile
        let writer = AtomicDirectoryWriter(directory: dir.target, configuration: .init(durability: durability))
        let ca = FileSpec(name: "ca.crt", contents: Data("ca v2\n".utf8))
        let old = pair("v1")
        let new = pair("v2", extra: [ca])
        guard case .updated(let v1) = try writer.write(old) else {
            Issue.record("first write did not update")
            return
        }

        let crashing = AtomicDirectoryWriter(
            directory: dir.target,
            configuration: .init(durability: durability, faultHook: { if $0 == point { throw Crash() } }))
        #expect(throws: AtomicDirectoryError.injectedFault(point)) { try crashing.write(new) }

        // Whatever the crash point, consumers see one complete version.
        let visible = try writer.read()
        if point == .afterSwap {
            #expect(visible.map(\.contents) == new.sorted { $0.name < $1.name }.map(\.contents))
            #expect(dir.contents("cert.pem") == "certificate v2\n")
            #expect(dir.contents("privkey.pem") == "key v2\n")
        } else {
            #expect(try writer.currentVersion() == v1)
            #expect(visible.map(\.contents) == old.map(\.contents))
            #expect(visible.map(\.mode) == [0o644, 0o640])
            #expect(dir.contents("cert.pem") == "certificate v1\n")
            #expect(dir.contents("privkey.pem") == "key v1\n")
            #expect(try dir.hiddenEntries().count > 2, "the crash should have left debris to recover from")
        }

        let recovery = try writer.write(new)
        let recovered = try #require(try writer.currentVersion())
        #expect(recovery == (point == .afterSwap ? .unchanged : .updated(version: recovered)))

        let current = try #require(try writer.currentVersion())
        #expect(try dir.hiddenEntries() == ["..data", current].sorted())
        #expect(try dir.visibleEntries() == ["ca.crt", "cert.pem", "privkey.pem"])
        #expect(dir.contents("ca.crt") == "ca v2\n")
        #expect(dir.contents("cert.pem") == "certificate v2\n")
        #expect(dir.contents("privkey.pem") == "key v2\n")
        // Grouped writes went through the commit: the first write asks twice (version, swap), the crashed one
        // once before the swap or twice after it, and the recovery twice, or once when it only makes the crashed
        // write's swap durable (after the swap, it finds debris and the new version already current).
        #expect(commit.statistics.requests == (grouped ? 5 : 0))
    }

    @Test func strayTempLinkAndOrphanVersionsAreCleanedByTheNextWrite() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let writer = AtomicDirectoryWriter(directory: dir.target)
        _ = try writer.write(pair("v1"))
        let orphan = dir.path("..2020_01_01_00_00_00.000000001")
        try FileManager.default.createDirectory(atPath: orphan, withIntermediateDirectories: false)
        #expect(FileManager.default.createFile(atPath: orphan + "/cert.pem", contents: Data("half".utf8)))
        try FileManager.default.createSymbolicLink(atPath: dir.path("..data_tmp"), withDestinationPath: "nowhere")

        #expect(try writer.write(pair("v1")) == .unchanged)

        #expect(try dir.hiddenEntries() == ["..data", try #require(try writer.currentVersion())].sorted())
    }

    /// Whoever may write the folder (a consumer) can replace what the writer reads. A FIFO as the owner claim would
    /// block the open for ever, a sparse file of gigabytes would be read whole, a deep tree would be removed one
    /// stack frame and descriptor per level: each is refused with the path named, and the next write still works
    /// once it is gone.
    @Test func hostileEntriesAreRefusedNotFollowed() throws {
        let dir = try TestDirectory()
        defer { dir.remove() }
        let writer = AtomicDirectoryWriter(directory: dir.target)
        _ = try writer.write(pair("v1"), owner: "shop/web")

        let owner = dir.path(AtomicDirectoryWriter.ownerFileName)
        try FileManager.default.removeItem(atPath: owner)
        #expect(mkfifo(owner, 0o644) == 0)
        #expect(throws: AtomicDirectoryError.unexpectedLayout(path: owner, reason: "not a regular file")) {
            try writer.write(pair("v2"), owner: "shop/web")
        }
        try FileManager.default.removeItem(atPath: owner)

        // A sparse file far over the bound, in the current version: refused by its size, not read.
        let version = try #require(try writer.currentVersion())
        let big = dir.path(version) + "/cert.pem"
        try FileManager.default.removeItem(atPath: big)
        #expect(FileManager.default.createFile(atPath: big, contents: nil))
        #expect(truncate(big, 64 * 1024 * 1024 * 1024) == 0)
        #expect(throws: AtomicDirectoryError.unexpectedLayout(path: big, reason: "larger than \(AtomicDirectoryWriter.versionFileLimit) bytes")) {
            _ = try writer.read()
        }
        try FileManager.default.removeItem(atPath: big)
        #expect(FileManager.default.createFile(atPath: big, contents: Data("certificate v1\n".utf8)))

        // A debris tree 50 levels deep: refused past the bound, never recursed into.
        var path = dir.path("..junk")
        for _ in 0..<50 { path += "/d" }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        #expect(throws: AtomicDirectoryError.self) { try writer.write(pair("v2"), owner: "shop/web") }
        try FileManager.default.removeItem(atPath: dir.path("..junk"))
        #expect(try writer.write(pair("v2"), owner: "shop/web") != .unchanged)
        #expect(dir.contents("cert.pem") == "certificate v2\n")
    }

    @Test func descriptionsNeverShowContents() throws {
        let secret = "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBg"
        let spec = FileSpec(name: "tls.key", contents: Data(secret.utf8), mode: 0o640, groupID: 7)
        #expect(!"\(spec)".contains("MIIE"))
        #expect(!String(reflecting: spec).contains("MIIE"))
        #expect("\(spec)" == "FileSpec(tls.key, 41 bytes, mode 0640, group 7)")
    }
}
