#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What to do after the files changed, so the consumer picks up the new certificate.
public enum ReloadAction: Sendable, Hashable, CustomStringConvertible {
    /// Signal the process whose id is in `pidFile` (nginx: `HUP`, with `shareProcessNamespace` in the pod).
    /// The file is read on every reload because the consumer's pid changes when it restarts.
    case signal(Int32, pidFile: String)
    /// Run a command through `/bin/sh -c`; a non-zero exit is a failed reload.
    case exec(command: String)
    /// POST an empty body to the URL (e.g. an admin reload endpoint); a non-2xx answer is a failed reload.
    case http(url: URL)

    /// A signal given by name (`HUP`, `SIGHUP`, case-insensitive) or number.
    public static func signalNumber(named name: String) -> Int32? {
        if let number = Int32(name), number > 0, number < 65 { return number }
        var upper = name.uppercased()
        if upper.hasPrefix("SIG") { upper.removeFirst(3) }
        let known: [String: Int32] = [
            "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "TERM": SIGTERM, "USR1": SIGUSR1, "USR2": SIGUSR2,
            "WINCH": SIGWINCH, "KILL": SIGKILL,
        ]
        return known[upper]
    }

    /// The action the `keyward sync` flags describe, or nil when none is given. At most one kind may be given, and
    /// a signal needs the pid file to send it to.
    public static func fromFlags(
        signal: String? = nil, pidFile: String? = nil, exec: String? = nil, http: String? = nil
    ) throws(SecretSyncError) -> ReloadAction? {
        let given = [signal, exec, http].compactMap { $0 }
        guard given.count <= 1 else {
            throw .invalidOptions(reason: "give only one of --on-change-signal, --on-change-exec, --on-change-http")
        }
        if let signal {
            guard let number = signalNumber(named: signal) else {
                throw .invalidOptions(reason: "unknown signal '\(signal)' (use e.g. HUP, USR1 or a number)")
            }
            guard let pidFile, !pidFile.isEmpty else {
                throw .invalidOptions(reason: "--on-change-signal needs --pid-file")
            }
            return .signal(number, pidFile: pidFile)
        }
        if pidFile != nil { throw .invalidOptions(reason: "--pid-file is only used with --on-change-signal") }
        if let exec {
            guard !exec.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw .invalidOptions(reason: "--on-change-exec needs a command")
            }
            return .exec(command: exec)
        }
        if let http {
            guard let url = URL(string: http), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                url.host != nil
            else {
                throw .invalidOptions(reason: "--on-change-http needs an http:// or https:// URL, got '\(http)'")
            }
            return .http(url: url)
        }
        return nil
    }

    public var description: String {
        switch self {
        case .signal(let signal, let pidFile): "signal \(signal) to the process in \(pidFile)"
        case .exec(let command): "run '\(command)'"
        case .http(let url): "POST \(url.absoluteString)"
        }
    }
}
