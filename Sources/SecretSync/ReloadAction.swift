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

    public var description: String {
        switch self {
        case .signal(let signal, let pidFile): "signal \(signal) to the process in \(pidFile)"
        case .exec(let command): "run '\(command)'"
        case .http(let url): "POST \(url.absoluteString)"
        }
    }
}
