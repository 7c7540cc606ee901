import Foundation
import Glibc
import Synchronization

/// Child processes: the `openssl` CLI, `keyward run`, and the `keyward controller` whose memory the bench reads.
///
/// Spawned with `posix_spawn` and an empty signal mask: threads of this process block signals the children rely on
/// (`openssl speed` times itself with SIGALRM), and a mask is inherited across exec.
enum Subprocess {
    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs to completion, waiting at most `timeout` seconds; output goes through files so a chatty child can never
    /// block on a full pipe.
    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 600) async throws -> Output {
        let scratch = try Paths.scratchDirectory("proc")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let child = try Child(executable, arguments, logDirectory: scratch)
        let deadline = ContinuousClock.now + .seconds(timeout)
        while child.isRunning {
            if ContinuousClock.now > deadline {
                child.kill()
                throw Failure(description: "\(executable) \(arguments.joined(separator: " ")) exceeded \(Int(timeout)) s")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        return Output(status: child.status, stdout: child.stdout, stderr: child.stderr)
    }

    /// A started child process whose output is captured in files.
    final class Child: Sendable {
        let pid: pid_t
        private let outPath: String
        private let errPath: String
        /// The raw wait status once reaped.
        private let waitStatus = Mutex<Int32?>(nil)

        init(_ executable: String, _ arguments: [String], logDirectory: URL) throws {
            outPath = logDirectory.appendingPathComponent("stdout-\(UUID().uuidString.prefix(8))").path
            errPath = logDirectory.appendingPathComponent("stderr-\(UUID().uuidString.prefix(8))").path
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var none = sigset_t()
            sigemptyset(&none)
            posix_spawnattr_setsigmask(&attributes, &none)
            var all = sigset_t()
            sigfillset(&all)
            posix_spawnattr_setsigdefault(&attributes, &all)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

            let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
            defer { for pointer in argv { free(pointer) } }
            var pid: pid_t = 0
            let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
            guard result == 0 else {
                throw Failure(description: "cannot start \(executable): \(String(cString: strerror(result)))")
            }
            self.pid = pid
        }

        /// Reaps the child if it has exited.
        var isRunning: Bool {
            waitStatus.withLock { status in
                if status != nil { return false }
                var raw: Int32 = 0
                let reaped = waitpid(pid, &raw, WNOHANG)
                if reaped == pid || reaped < 0 {
                    status = reaped == pid ? raw : -1
                    return false
                }
                return true
            }
        }

        /// Exit code, or 128 + the signal that ended it.
        var status: Int32 {
            guard let raw = waitStatus.withLock({ $0 }) else { return -1 }
            if raw == -1 { return -1 }
            let signal = raw & 0x7f
            return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
        }

        var stdout: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

        /// SIGTERM, then waits up to `timeout` seconds for the exit; SIGKILL if it did not come.
        func terminate(timeout: TimeInterval = 30) async {
            guard isRunning else { return }
            Glibc.kill(pid, SIGTERM)
            let deadline = ContinuousClock.now + .seconds(timeout)
            while isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
            if isRunning { kill() }
        }

        /// SIGKILL, and waits for the exit.
        func kill() {
            guard isRunning else { return }
            Glibc.kill(pid, SIGKILL)
            var raw: Int32 = 0
            if waitpid(pid, &raw, 0) == pid { waitStatus.withLock { $0 = raw } }
        }
    }
}
