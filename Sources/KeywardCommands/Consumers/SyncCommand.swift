import ArgumentParser
import Foundation
import KeywardCore
import KubernetesClient
import Logging
import SecretSync

/// `keyward sync`: the sidecar that mirrors one Secret into a folder and reloads the consumer on change.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Mirror a Secret into a folder with atomic swaps and run a reload action after each change.",
        discussion: """
            A Secret with tls.crt/tls.key becomes cert.pem, chain.pem, fullchain.pem, privkey.pem (0640), ca.pem \
            and crl.pem (--layout certificate); any other Secret is mirrored key by key. Files change together \
            through a `..data` symlink swap. Unchanged content writes nothing and reloads nothing.
            """)

    @Option(help: "Name of the Secret to follow.")
    var secret: String

    @Option(name: .shortAndLong, help: "Namespace of the Secret (default: the kubeconfig's or the pod's namespace).")
    var namespace: String?

    @Option(help: "Folder to write (created if missing).")
    var dir: String

    @Option(help: "automatic, certificate or mirror.")
    var layout: String?

    @Option(name: .customLong("map"), help: "KEY=FILE: write only these keys under these names (repeatable).")
    var mappings: [String] = []

    @Option(help: "Group id owning private files (the consumer's fsGroup).")
    var group: UInt32?

    @Option(help: "Signal to send after a change (e.g. HUP); needs --pid-file.")
    var onChangeSignal: String?

    @Option(help: "File holding the pid to signal (read at every reload).")
    var pidFile: String?

    @Option(help: "Command to run through /bin/sh -c after a change.")
    var onChangeExec: String?

    @Option(help: "URL to POST to after a change.")
    var onChangeHttp: String?

    @Option(help: "Path to a kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "kubeconfig context.")
    var context: String?

    @OptionGroup var logging: LoggingOptions

    @OptionGroup var shutdown: ShutdownOptions

    func run() async throws {
        logging.bootstrap()
        let logger = Logger(label: "keyward.sync")
        // From the first line on, so a signal in any phase (a hung API server too) ends the process within the bound.
        let relay = ShutdownRelay(gracePeriod: shutdown.gracefulShutdownTimeout, logger: logger)
        let options: SecretSyncer.Options
        do {
            options = SecretSyncer.Options(
                directory: dir, layout: try SyncLayout.fromFlags(layout: layout, mappings: mappings), groupID: group,
                reload: try ReloadAction.fromFlags(signal: onChangeSignal, pidFile: pidFile, exec: onChangeExec,
                                                   http: onChangeHttp))
        } catch {
            throw ValidationError("\(error)")
        }
        let configuration: ClientConfiguration
        do { configuration = try ClientConfiguration.load(kubeconfig: kubeconfig, context: context) } catch {
            logger.error("cannot load the Kubernetes configuration: \(error); pass a readable kubeconfig with --kubeconfig (or $KUBECONFIG) and a context with --context")
            throw ExitCode.failure
        }
        let client = KubernetesClient(configuration: configuration)
        defer { client.shutdown() }
        let syncer = SecretSyncer(client: client, namespace: namespace ?? configuration.namespace, name: secret,
                                  options: options, log: { line in print(line) })
        let following = Task { await syncer.run() }
        await relay.onShutdown { following.cancel() }
        await following.value
    }
}
