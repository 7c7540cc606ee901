import ArgumentParser
import Foundation

/// The graceful-shutdown bound every long-running command shares.
struct ShutdownOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Seconds a graceful shutdown (SIGTERM, SIGINT) may take before the process exits regardless.",
        discussion: "Keep it below the pod's terminationGracePeriodSeconds. A second signal exits at once."))
    var gracefulShutdownTimeout: Double = ShutdownRelay.defaultGracePeriod

    func validate() throws {
        guard gracefulShutdownTimeout > 0, gracefulShutdownTimeout <= 3600 else {
            throw ValidationError("--graceful-shutdown-timeout must be more than 0 and at most 3600 seconds")
        }
    }
}
