import ArgumentParser
import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import Logging
import SecretRotationController
import StandaloneStore

/// `keyward run`: the reconcilers over a folder of manifests, no cluster needed.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Standalone mode: reconcile Certificates and SecretRotations from YAML files, no cluster needed.",
        discussion: """
            Resources come from --manifests; Secrets, status and events live as files in --state; certificate files \
            go under --out/<namespace>/<name> (or the Certificate's files.subPath). With --once everything is \
            reconciled and a status table printed (exit code 1 when something is not Ready); without it the \
            command keeps running, renewing on time and applying edited manifests.
            """
    )

    @Option(help: "Folder (or file) of Certificate, SecretRotation, Secret and ConfigMap manifests.")
    var manifests: String

    @Option(help: "Folder for Secrets, status and events (created with mode 0700).")
    var state: String

    @Option(help: "Root folder for certificate files.")
    var out: String

    @Flag(help: "Reconcile everything once, print the status table and exit.")
    var once = false

    @Option(help: "Seconds between manifest re-reads in long-running mode.")
    var pollInterval: Double = 10

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        logging.bootstrap()
        let runner = try Standalone.makeRunner(manifests: manifests, state: state, out: out, clock: SystemClock())
        if once {
            let outcomes = try await runner.runOnce()
            for outcome in outcomes where outcome.error != nil {
                print("error: \(outcome.resource) \(outcome.key): \(outcome.error!)")
            }
            let table = try await Standalone.statusTable(runner.store)
            print(table.rendered())
            if !table.allReady { throw ExitCode(1) }
        } else {
            try await runner.run(pollInterval: pollInterval)
        }
    }
}

/// `keyward status --state DIR`: the standalone status table, read back from state.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Print the status table of a standalone state folder.",
        discussion: "`keyward status certificate|secretrotation NAME` explains one object, in a cluster or with --state.",
        subcommands: [CertificateStatusCommand.self, SecretRotationStatusCommand.self])

    /// Optional so `status certificate|secretrotation` (which read it through `@ParentCommand`: ArgumentParser gives
    /// an option to the first command declaring it) can tell a cluster (no --state) from a state folder.
    @Option(help: "The --state folder of `keyward run`.")
    var state: String?

    func run() async throws {
        guard let state else { throw ValidationError("--state is required for the status table") }
        guard FileManager.default.fileExists(atPath: state) else {
            throw ValidationError("--state \(state): no such folder (run `keyward run` first)")
        }
        let store = try FileResourceStore(stateDirectory: state)
        print(try await Standalone.statusTable(store).rendered())
    }
}

/// Wiring shared by the standalone commands.
enum Standalone {
    static func makeRunner(manifests: String, state: String, out: String, clock: any WallClock) throws -> StandaloneRunner {
        let store = try FileResourceStore(stateDirectory: state, clock: clock)
        let events = EventRecorder(sink: FileEventSink(path: "\(state)/events.log"), component: "keyward-standalone")
        let certificates = CertificateReconciler(store: store, events: events, clock: clock,
                                                 options: CertificateReconciler.Options(volumeRoot: out))
        // Standalone consumers are processes, not workloads: the rotation's onChange hooks are how they reload.
        let rotations = SecretRotationReconciler(store: store, events: events, clock: clock,
                                                 options: SecretRotationReconciler.Options(runChangeHooks: true))
        return StandaloneRunner(store: store, manifestsDirectory: manifests, lanes: [
            StandaloneRunner.Lane(resource: Certificate.qualifiedPlural, reconciler: certificates),
            StandaloneRunner.Lane(resource: SecretRotation.qualifiedPlural, reconciler: rotations),
        ], clock: clock)
    }

    static func statusTable(_ store: FileResourceStore) async throws -> StatusTable {
        StatusTable(certificates: try await store.list(Certificate.self, namespace: nil),
                    rotations: try await store.list(SecretRotation.self, namespace: nil))
    }
}
