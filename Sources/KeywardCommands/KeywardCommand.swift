import ArgumentParser
import Foundation
import ControllerRuntime
import Logging

/// `keyward`: the controller, standalone mode and the tools pods run next to their workloads.
public struct KeywardCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: invokedName,
        abstract: "Certificates and secret rotation for Kubernetes, or for a folder of files.",
        version: KeywardVersion.current,
        subcommands: [ControllerCommand.self, RunCommand.self, StatusCommand.self, WaitForCertsCommand.self, SyncCommand.self,
                      RenewCommand.self, RevokeCommand.self, RotateCommand.self, InspectCommand.self, VerifyCommand.self,
                      ProbeCommand.self, NotifyCommand.self, ConvertCommand.self, VersionCommand.self]
    )
    public init() {}

    /// `kubectl keyward` when kubectl runs this binary as its plugin (installed or symlinked as `kubectl-keyward`,
    /// kubectl's plugin convention), so usage and help show the command the user typed.
    static let invokedName: String = {
        // argv[0] as kubectl passed it (ProcessInfo resolves symlinks through /proc/self/exe).
        let executable = CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent }
        return executable == "kubectl-keyward" ? "kubectl keyward" : "keyward"
    }()
}

public enum KeywardVersion {
    public static let current = "0.1.0"
}

/// Logging options every long-running command shares.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Log format: text or json.")
    var logFormat: String = "text"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard LogFormat(rawValue: logFormat) != nil else {
            throw ValidationError("--log-format must be one of: \(LogFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of: \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func bootstrap() {
        KeywardLogHandler.bootstrap(format: LogFormat(rawValue: logFormat) ?? .text, level: Logger.Level(rawValue: logLevel) ?? .info)
    }
}
