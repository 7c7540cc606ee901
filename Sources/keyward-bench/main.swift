import ArgumentParser
import Foundation
import KeywardCommands

/// Parses and runs an async command tree, as `@main` would (a top-level `main.swift` cannot use `@main`).
func runCommand<Root: AsyncParsableCommand>(_ root: Root.Type, _ arguments: [String]) async {
    do {
        var command = try root.parseAsRoot(arguments)
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    } catch {
        root.exit(withError: error)
    }
}

// `keyward-bench keyward …` runs the `keyward` command line itself: the memory and standalone suites start this
// executable again that way, so they measure the real controller and `keyward run` without a second build.
// `keyward-bench runtime-floor …` is the memory suite's floor: the same binary doing one HTTPS GET (RuntimeFloor).
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "keyward" {
    await runCommand(KeywardCommand.self, Array(arguments.dropFirst()))
} else if arguments.first == RuntimeFloor.command {
    exit(RuntimeFloor.main(Array(arguments.dropFirst())))
} else {
    await runCommand(BenchCommand.self, arguments)
}
