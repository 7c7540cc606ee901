#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KeywardTestSupport
import SecretSync
import Testing

@Suite("ReloadRunner")
struct ReloadRunnerTests {
    @Test func signalGoesToTheProcessInThePidFile() async throws {
        let scratch = try TemporaryDirectory()
        let pidFile = scratch.file("consumer.pid")
        let received = scratch.file("received")
        // The consumer writes its pid only after installing the handler, so the signal cannot arrive too early.
        let script = "trap 'echo hup >> \(received)' HUP; echo $$ > \(pidFile).tmp; mv \(pidFile).tmp \(pidFile); "
            + "while :; do sleep 0.05; done"
        let consumer = Process()
        consumer.executableURL = URL(fileURLWithPath: "/bin/sh")
        consumer.arguments = ["-c", script]
        try consumer.run()
        defer { consumer.terminate() }
        try await eventually("the consumer to write its pid file") { FileManager.default.fileExists(atPath: pidFile) }

        try await ReloadRunner().run(.signal(SIGHUP, pidFile: pidFile))
        try await eventually("the consumer to see SIGHUP") { scratch.lines("received") == ["hup"] }
        #expect(consumer.isRunning)
    }

    @Test func signalFailuresAreTyped() async throws {
        let scratch = try TemporaryDirectory()
        await #expect(throws: ReloadError.self) {
            try await ReloadRunner().run(.signal(SIGHUP, pidFile: scratch.file("absent.pid")))
        }
        try "not a pid".write(toFile: scratch.file("bad.pid"), atomically: true, encoding: .utf8)
        await #expect(throws: ReloadError.pidFileUnreadable(path: scratch.file("bad.pid"), reason: "does not hold a process id")) {
            try await ReloadRunner().run(.signal(SIGHUP, pidFile: scratch.file("bad.pid")))
        }
        // The pid file sits where the consumer writes: a FIFO must not block the sidecar, a huge file not be read.
        #expect(mkfifo(scratch.file("fifo.pid"), 0o644) == 0)
        await #expect(throws: ReloadError.pidFileUnreadable(path: scratch.file("fifo.pid"), reason: "not a regular file")) {
            try await ReloadRunner().run(.signal(SIGHUP, pidFile: scratch.file("fifo.pid")))
        }
        try String(repeating: "1", count: 100).write(toFile: scratch.file("long.pid"), atomically: true, encoding: .utf8)
        await #expect(throws: ReloadError.pidFileUnreadable(path: scratch.file("long.pid"), reason: "longer than a process id")) {
            try await ReloadRunner().run(.signal(SIGHUP, pidFile: scratch.file("long.pid")))
        }
    }

    @Test func execReportsTheExitStatus() async throws {
        let scratch = try TemporaryDirectory()
        try await ReloadRunner().run(.exec(command: "touch '\(scratch.file("ran"))'"))
        #expect(FileManager.default.fileExists(atPath: scratch.file("ran")))
        await #expect(throws: ReloadError.commandFailed(command: "exit 3", exitStatus: 3)) {
            try await ReloadRunner().run(.exec(command: "exit 3"))
        }
    }

    /// The command never ends by itself, so only the timeout can end it, however late a loaded machine wakes us.
    @Test func execThatHangsIsTerminated() async throws {
        let hang = "while :; do sleep 1; done"
        await #expect(throws: ReloadError.commandTimedOut(command: hang)) {
            try await ReloadRunner(timeout: .milliseconds(200)).run(.exec(command: hang))
        }
    }

    @Test func httpPostsAndChecksTheStatus() async throws {
        let ok = try TinyHTTPServer(status: 204)
        defer { ok.stop() }
        try await ReloadRunner().run(.http(url: ok.url))
        #expect(ok.requestLines == ["POST /-/reload HTTP/1.1"])

        let failing = try TinyHTTPServer(status: 500)
        defer { failing.stop() }
        await #expect(throws: ReloadError.httpStatus(url: failing.url.absoluteString, status: 500)) {
            try await ReloadRunner().run(.http(url: failing.url))
        }
        // Nothing listening, and nothing can start listening there during the test.
        let refusing = try ClosedPort()
        let closed = URL(string: "http://\(refusing.address)/")!
        await #expect(throws: ReloadError.self) { try await ReloadRunner().run(.http(url: closed)) }
        withExtendedLifetime(refusing) {}
    }
}
