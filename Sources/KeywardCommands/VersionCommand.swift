import ArgumentParser
import Foundation

/// `keyward version`: the release and how this binary was built, for bug reports.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version and build information.")

    @Option(name: .shortAndLong, help: "Output format: text, json or yaml.")
    var output: OutputFormat = .text

    struct BuildInfo: Codable, Sendable, Equatable {
        var version: String
        var swiftCompiler: String
        var configuration: String
        var platform: String
        var architecture: String
    }

    static let buildInfo = BuildInfo(version: KeywardVersion.current, swiftCompiler: compiler, configuration: buildConfiguration,
                                     platform: platform, architecture: architecture)

    func run() throws {
        let info = Self.buildInfo
        switch output {
        case .text:
            print("keyward \(info.version) (Swift \(info.swiftCompiler), \(info.configuration) build, \(info.platform)/\(info.architecture))")
        case .json, .yaml:
            print(try output.render(info))
        }
    }

    private static var compiler: String {
        #if compiler(>=6.4)
        ">=6.4"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #elseif compiler(>=6.1)
        "6.1"
        #else
        "<6.1"
        #endif
    }

    private static var buildConfiguration: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }

    private static var platform: String {
        #if os(Linux)
        "linux"
        #elseif os(macOS)
        "macos"
        #else
        "unknown"
        #endif
    }

    private static var architecture: String {
        #if arch(x86_64)
        "amd64"
        #elseif arch(arm64)
        "arm64"
        #else
        "unknown"
        #endif
    }
}
