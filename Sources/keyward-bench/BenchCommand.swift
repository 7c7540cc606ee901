import ArgumentParser
import Foundation
import KeywardCommands
import KeywardPKI
import Logging

/// `keyward-bench [--quick] [suite …]`: measures Keyward against the physical floors of this machine and against
/// the peers' published figures. See docs/benchmarks.md for what each suite does and the latest numbers.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyward-bench",
        abstract: "Keyward benchmarks: every figure next to a baseline measured in the same run.",
        discussion: """
            Run with `swift run -c release keyward-bench`. Suites: \(Suite.allCases.map(\.rawValue).joined(separator: ", ")) \
            (default: all). --quick shrinks every suite so the whole run takes about two minutes (CI smoke test: it \
            fails only when a suite breaks, never on a number).
            """)

    enum Suite: String, CaseIterable, ExpressibleByArgument {
        case crypto, api, issuance, latency, steady, memory, storm, standalone, rotation, acme, scale
    }

    @Flag(help: "Small sizes: a smoke run of every suite in about two minutes.")
    var quick = false

    @Option(help: "Certificate counts for the issuance suite (comma-separated; default 1000,10000, or 200 with --quick).")
    var sizes: String?

    @Option(help: "Also write every figure as JSON to this file.")
    var json: String?

    @Option(help: "Also write every figure as a Markdown table to this file.")
    var markdown: String?

    @Option(help: "Log level of the in-process operator and API server (default: error).")
    var logLevel: String = "error"

    @Argument(help: "Suites to run (default: all).")
    var suites: [Suite] = []

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .error
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let machine = MachineDescription.current()
        emit("keyward-bench \(KeywardVersion.current)\(quick ? " (quick)" : "")")
        emit("machine: \(machine)")
        let selected = suites.isEmpty ? Suite.allCases : suites
        let report = Report()
        var failures: [String] = []
        var cryptoFloor: Double?
        var apiFloor: Double?
        let started = Stopwatch()

        for suite in Suite.allCases where selected.contains(suite) {
            emit("\n== \(suite.rawValue)")
            let watch = Stopwatch()
            do {
                switch suite {
                case .crypto:
                    cryptoFloor = try await CryptoSuite.run(report: report, quick: quick).certificatesPerSecond[.ecdsaP256]
                case .api:
                    apiFloor = try await APIFloorSuite.run(report: report, quick: quick)
                case .issuance:
                    try await IssuanceSuite.run(report: report, quick: quick, sizes: issuanceSizes,
                                                cryptoFloor: cryptoFloor, apiFloor: apiFloor)
                case .latency:
                    try await LatencySuite.run(report: report, quick: quick)
                case .steady:
                    try await SteadyStateSuite.run(report: report, quick: quick)
                case .memory:
                    try await MemorySuite.run(report: report, quick: quick)
                case .storm:
                    try await StormSuite.run(report: report, quick: quick)
                case .standalone:
                    try await StandaloneSuite.run(report: report, quick: quick)
                case .rotation:
                    try await RotationSuite.run(report: report, quick: quick)
                case .acme:
                    try await ACMESuite.run(report: report, quick: quick)
                case .scale:
                    try await ScaleSuite.run(report: report, quick: quick)
                }
            } catch {
                failures.append("\(suite.rawValue): \(error)")
                emit("  FAILED: \(error)")
            }
            emit("  (\(Report.format(watch.seconds)) s)")
        }

        emit("\ntotal: \(Report.format(started.seconds)) s")
        if let json {
            try report.json(machine: machine, quick: quick).write(to: URL(fileURLWithPath: json))
        }
        if let markdown {
            try ("Machine: \(machine)\n\n" + report.markdown()).write(toFile: markdown, atomically: true, encoding: .utf8)
        }
        if !failures.isEmpty {
            emit("\(failures.count) suite(s) failed:\n" + failures.map { "  - \($0)" }.joined(separator: "\n"))
            throw ExitCode(1)
        }
    }

    private var issuanceSizes: [Int] {
        if let sizes { return sizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        return quick ? [200] : [1_000, 10_000]
    }
}
