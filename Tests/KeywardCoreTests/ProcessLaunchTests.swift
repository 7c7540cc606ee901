#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KeywardCore
import KeywardTestSupport
import Testing

/// Commands sleep an hour: a test process starved for seconds must still find them running when it stops them.
@Suite struct ProcessLaunchTests {
    @Test func stopKillsACommandThatIgnoresSIGTERM() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // `exec` so the deaf process is the one started: no orphan is left behind.
        process.arguments = ["-c", "trap '' TERM; exec sleep 3600"]
        try ProcessLaunch.run(process)
        let ended = await ProcessLaunch.stop(process, grace: .milliseconds(300))
        #expect(ended)
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == SIGKILL)
    }

    /// A shell's child holds Foundation's termination socket: unless it goes too, the command never counts as ended.
    @Test func stopEndsWhatTheCommandStartedToo() async throws {
        let scratch = try TemporaryDirectory()
        let childPid = scratch.path("child.pid")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "trap '' TERM; sleep 3600 & echo $! > \(childPid); wait"]
        try ProcessLaunch.run(process)
        let child = try await waitForPid(childPid)
        #expect(await ProcessLaunch.stop(process, grace: .milliseconds(300)))
        #expect(!Self.isAlive(child), "the shell's child \(child) outlived the stop")
    }

    /// The readdir replacement (CDirectoryEntry) is what every library here binds to, Foundation included.
    @Test func foundationGetsTheWholeEntryReaddir() {
        #expect(ProcessLaunch.readdirIsFixed)
    }

    /// Foundation's Process.run() over-read glibc's last directory entry once its 32 KiB buffer filled (about 1,300
    /// descriptors). With 1,600 more open than usual, launches succeed and see no stray descriptor.
    @Test func launchesWithThousandsOfDescriptorsOpen() throws {
        // As scripts/test.sh does for the whole suite: a soft limit of 1,024 would stop the dups below.
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < 8_192 {
            limit.rlim_cur = min(limit.rlim_max, 8_192)
            _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        }
        let source = open("/dev/null", O_RDONLY)
        try #require(source >= 0)
        defer { close(source) }
        var opened: [Int32] = []
        defer { for descriptor in opened { close(descriptor) } }
        for _ in 0..<1_600 {
            let descriptor = dup(source)
            try #require(descriptor >= 0, "dup failed after \(opened.count): errno \(errno)")
            opened.append(descriptor)
        }
        let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        #expect(open > 1_600)
        for _ in 0..<20 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            // The child counts its descriptors: Foundation closes every one it did not hand over.
            process.arguments = ["-c", "ls /proc/self/fd | wc -l"]
            let output = Pipe()
            process.standardOutput = output
            try ProcessLaunch.run(process)
            let counted = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            #expect((Int(counted.trimmingCharacters(in: .whitespacesAndNewlines)) ?? .max) < 10)
        }
    }

    /// Entries come back whole and in full through the replacement, long names included.
    @Test func directoryListingsAreComplete() throws {
        let scratch = try TemporaryDirectory()
        var names: Set<String> = []
        for index in 0..<1_500 {
            let name = "entry-\(index)-" + String(repeating: "n", count: index % 240)
            names.insert(name)
            #expect(FileManager.default.createFile(atPath: scratch.path(name), contents: nil))
        }
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path)) == names)
        var listed: Set<String> = []
        let directory = try #require(opendir(scratch.url.path))
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != ".." { listed.insert(name) }
        }
        #expect(listed == names)
    }

    @Test func stopOfAFinishedProcessIsANoOp() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try ProcessLaunch.run(process)
        process.waitUntilExit()
        #expect(await ProcessLaunch.stop(process))
        #expect(process.terminationStatus == 0)
    }

    /// The controller catches SIGTERM for its graceful shutdown; the commands it starts (reload commands, hooks)
    /// must still start with SIGTERM at its default action, or their timeouts could not end them.
    @Test func commandsStartWithTheSignalsTheControllerCatchesAtTheirDefault() async throws {
        // SIGUSR2 stands in for SIGTERM: catching SIGTERM would change how this test process itself ends.
        let signals = TerminationSignals([SIGUSR2], gracePeriod: 1) { _ in }
        defer { signals.cancel() }
        let output = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "grep '^SigIgn:' /proc/self/status"]
        process.standardOutput = output
        try ProcessLaunch.run(process)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let hex = try #require(text.split(separator: "\t").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        let ignored = try #require(UInt64(hex, radix: 16))
        #expect(ignored & (1 << UInt64(SIGUSR2 - 1)) == 0, "SigIgn \(hex) has SIGUSR2 ignored")
    }

    private func waitForPid(_ path: String) async throws -> pid_t {
        for _ in 0..<500 {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) { return pid }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw CancellationError()
    }

    /// Alive and not a zombie waiting for a parent (PID 1 in a container may never reap it).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return !stat[close...].hasPrefix(") Z")
    }
}
