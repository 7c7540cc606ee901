import ArgumentParser
import Foundation
import KeywardCore
import KubernetesClient
import NotificationController
import Notifications

/// `keyward notify`: the notification state's operations.
struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify", abstract: "Notification dead letters: list them, or deliver them again.",
        subcommands: [NotifyReplayCommand.self, NotifyListCommand.self])
}

/// Where the notification state is: the cluster's ConfigMap or a standalone state folder.
struct NotificationStateOptions: ParsableArguments {
    @Option(help: "Standalone mode: the --state folder of `keyward run` instead of a cluster.")
    var state: String?

    @Option(name: .shortAndLong, help: "Namespace of the controller and its state ConfigMap (default: $POD_NAMESPACE, else keyward-system).")
    var namespace: String?

    @Option(help: "Name of the state ConfigMap.")
    var configMap = ConfigMapNotificationStateStore.defaultName

    @Option(help: "Path to a kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "kubeconfig context.")
    var context: String?

    /// The store, and the client to shut down afterwards (nil in standalone mode).
    func open() throws -> (store: any NotificationStateStore, client: KubernetesClient?) {
        if let state { return (FileNotificationStateStore(stateDirectory: state), nil) }
        let configuration: ClientConfiguration
        do { configuration = try ClientConfiguration.load(kubeconfig: kubeconfig, context: context) } catch {
            throw ValidationError("cannot load the Kubernetes configuration: \(error) (--kubeconfig, --context)")
        }
        let client = KubernetesClient(configuration: configuration)
        let namespace = self.namespace ?? ProcessInfo.processInfo.environment["POD_NAMESPACE"] ?? "keyward-system"
        return (ConfigMapNotificationStateStore(client: client, namespace: namespace, name: configMap), client)
    }
}

struct NotifyReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Deliver the dead letters again (with the usual retries); those delivered leave the list.",
        discussion: "Exit status 0 when every dead letter was delivered, 1 when some still fail.")

    @OptionGroup var where_: NotificationStateOptions

    @Option(help: ArgumentHelp("The key webhooks are signed with (each replay is signed afresh: receivers reject old timestamps).",
                               valueName: "path"))
    var notifySigningKeyFile: String?

    @Option(name: .customLong("notify-url"), help: ArgumentHelp(
        "A webhook dead letters may be replayed to, as the controller has it (repeatable). Letters keep their target "
            + "redacted, so only a configured target whose redacted URL matches receives its letters.", valueName: "url"))
    var notifyURLs: [String] = []

    @Option(help: ArgumentHelp("The Alertmanager base URL dead letters may be replayed to, as the controller has it.",
                               valueName: "url"))
    var alertmanagerURL: String?

    @OptionGroup var egress: EgressOptions

    func run() async throws {
        let (store, client) = try where_.open()
        defer { client?.shutdown() }
        var configuration = Notifier.Configuration()
        do { configuration.signingKey = try notifySigningKeyFile.map { try SigningKey(fileAt: $0) } } catch {
            throw ValidationError("\(error)")
        }
        configuration.egress = try egress.policy(environment: ProcessInfo.processInfo.environment)
        do {
            configuration.webhooks = try notifyURLs.map { try NotificationTarget(kind: .webhook, parsing: $0) }
            configuration.alertmanager = try alertmanagerURL.map { try NotificationTarget(kind: .alertmanager, parsing: $0) }
        } catch { throw ValidationError("\(error)") }
        let letters = try await store.read().deadLetters
        if letters.contains(where: { $0.target.kind == .webhook }), configuration.signingKey == nil {
            throw ValidationError("dead letters for webhooks need --notify-signing-key-file to be signed")
        }
        let transport = CurlNotificationTransport()
        defer { transport.shutdown() }
        let notifier = Notifier(configuration: configuration, store: store, transport: transport)
        let report = try await notifier.replay()
        print("\(report.delivered) delivered, \(report.stillFailing) still failing"
            + (report.notConfigured > 0 ? ", \(report.notConfigured) for a target not given (--notify-url, --alertmanager-url)" : "")
            + " (\(store.location))")
        if report.stillFailing > 0 || report.notConfigured > 0 { throw ExitCode(1) }
    }
}

struct NotifyListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Print the dead letters.")

    @OptionGroup var where_: NotificationStateOptions

    func run() async throws {
        let (store, client) = try where_.open()
        defer { client?.shutdown() }
        let state = try await store.read()
        for letter in state.deadLetters {
            let payload = letter.payload
            print("\(KubeTime.format(letter.failedAt))  \(payload.object)  \(payload.alertClass.rawValue) \(payload.state.rawValue)  "
                + "→ \(letter.target) (\(letter.attempts) attempts, \(letter.lastError))")
        }
        print("\(state.deadLetters.count) dead letter\(state.deadLetters.count == 1 ? "" : "s")"
            + (state.droppedDeadLetters > 0 ? ", \(state.droppedDeadLetters) dropped past the bound" : ""))
    }
}
