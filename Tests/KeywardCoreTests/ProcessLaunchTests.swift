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
