import ArgumentParser
import KeywardCommands

/// The `keyward` executable: the command tree lives in KeywardCommands so tests can drive it in-process.
@main
struct KeywardMain: AsyncParsableCommand {
    static let configuration = KeywardCommand.configuration
}
