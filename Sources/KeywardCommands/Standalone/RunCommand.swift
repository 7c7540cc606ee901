import ArgumentParser
import AtomicDirectory
import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import Logging
import NotificationController
import Notifications
import SecretRotationController
import StandaloneStore
import TLSProbe

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

    /// A cron run would otherwise end with an ACME order half done; the next run resumes it either way.
    @Option(help: ArgumentHelp(
        "With --once: seconds to wait for pending issuances (ACME orders being validated) to finish before printing "
            + "the table; 0 does not wait.", valueName: "seconds"))
    var pendingTimeout: Double = 300

    /// SecretRotations' `verify.http` reaches only what this allows; a service on this host needs e.g.
    /// `--egress-allow-cidr 127.0.0.1/32`.
    @OptionGroup var egress: EgressOptions

    @OptionGroup var acmeHTTP01SelfCheck: ACMEHTTP01SelfCheckOptions

    /// Renewal SLA and notifications, as in the controller; cooldowns and dead letters live in --state.
    @OptionGroup var alerting: AlertingOptions

    /// Grouped by default: a batch of certificates shares its flushes. `each-file` for state on a disk other
    /// programs keep busy, where a filesystem-wide flush would also wait for their writes.
    @Option(help: ArgumentHelp(
        "How writes reach the disk before they are published: grouped (one syncfs shared by the writes in flight) "
            + "or each-file (fsync per file, as the controller does).", valueName: "mode"))
    var durability: DurabilityMode = .grouped

    @OptionGroup var logging: LoggingOptions

    @OptionGroup var shutdown: ShutdownOptions

    func run() async throws {
        logging.bootstrap()
        // Long-running mode: signals handled from the first line on (the process ends within the bound regardless).
        let relay = once ? nil : ShutdownRelay(gracePeriod: shutdown.gracefulShutdownTimeout,
                                               logger: Logger(label: "keyward.standalone"))
        // `http01.listen` listeners live for the run.
        let http01Listeners = HTTP01StandaloneListeners()
        let runner = try Standalone.makeRunner(manifests: manifests, state: state, out: out, clock: SystemClock(),
                                               egress: try egress.policy(environment: ProcessInfo.processInfo.environment),
                                               alerting: alerting,
                                               acmeHTTP01: HTTP01Solver(environment: .standalone(http01Listeners),
                                                                        selfCheck: try acmeHTTP01SelfCheck.selfCheck()),
                                               durability: durability.durability())
        if once {
            let writesBefore = await runner.store.writeCount
            let outcomes: [StandaloneRunner.Outcome]
            do { outcomes = try await runner.runOnce(waitForPending: pendingTimeout) } catch let error as StandaloneRunnerError {
                throw Standalone.stopping(error)
            }
            await http01Listeners.shutdown()
            for outcome in outcomes where outcome.error != nil {
                print("error: \(outcome.resource) \(outcome.key): \(outcome.error!)")
            }
            let table = try await Standalone.statusTable(runner.store)
            print(table.rendered())
            // One line that says what this run did, so a run that changed nothing says so.
            print(Standalone.summary(objects: outcomes.count, changed: outcomes.filter(\.changed).count,
                                     writes: await runner.store.writeCount - writesBefore))
            if !table.allReady { throw ExitCode(1) }
        } else {
            // SIGTERM/SIGINT stop the loop between reconciles.
            let running = Task { try await runner.run(pollInterval: pollInterval) }
            await relay?.onShutdown { running.cancel() }
            do { try await running.value } catch is CancellationError {} catch let error as StandaloneRunnerError {
                throw Standalone.stopping(error)
            } catch {
                // Only a first read of the manifests fails the run: one error line naming the flag, exit 1.
                Logger(label: "keyward.standalone").error("cannot start: --manifests \(manifests): \(error)")
                throw ExitCode.failure
            }
        }
    }
}

/// `keyward run --durability`.
enum DurabilityMode: String, ExpressibleByArgument, CaseIterable, Sendable {
    case grouped
    case eachFile = "each-file"

    /// A fresh group commit per run: its rounds serve this process's writers.
    func durability() -> Durability {
        switch self {
        case .grouped: .grouped(GroupCommit())
        case .eachFile: .eachFile
        }
    }
}

/// `keyward status --state DIR`: the standalone status table, read back from state.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Print the status table of a standalone state folder.",
        discussion: "`keyward status certificate|secretrotation NAME` explains one object, in a cluster or with --state.",
        subcommands: [CertificateStatusCommand.self, SecretRotationStatusCommand.self, IssuerStatusCommand.self,
                      ClusterIssuerStatusCommand.self])

    /// Optional so `status certificate|secretrotation` (which read it through `@ParentCommand`: ArgumentParser gives
    /// an option to the first command declaring it) can tell a cluster (no --state) from a state folder.
    @Option(help: "The --state folder of `keyward run` (default for the table: .keyward/state).")
    var state: String?

    /// Declared here, not only on the object subcommands, for the same reason as `state`; they read it from here.
    @Option(name: .shortAndLong, help: "The table: only this namespace. certificate|secretrotation: the object's namespace.")
    var namespace: String?

    @Flag(name: [.customShort("A"), .long], help: "The table: every namespace (the default).")
    var allNamespaces = false

    func validate() throws {
        if namespace != nil && allNamespaces { throw ValidationError("-n/--namespace and -A/--all-namespaces exclude each other") }
    }

    func run() async throws {
        // The table defaults to scripts/run-example.sh's folder.
        let state = self.state ?? Standalone.defaultStateDirectory
        guard FileManager.default.fileExists(atPath: state) else {
            throw ValidationError("--state \(state): no such folder (run `keyward run` first)")
        }
        let store = try FileResourceStore(stateDirectory: state)
        var table = try await Standalone.statusTable(store)
        if let namespace { table.rows = table.rows.filter { $0.namespace == namespace } }
        print(table.rendered())
    }
}

/// Wiring shared by the standalone commands.
enum Standalone {
    static func makeRunner(manifests: String, state: String, out: String, clock: any WallClock,
                           egress: EgressPolicy = EgressPolicy(), alerting: AlertingOptions? = nil,
                           acmeHTTP01: HTTP01Solver = HTTP01Solver(environment: .standalone(HTTP01StandaloneListeners())),
                           durability: Durability = .grouped(GroupCommit()))
        throws -> StandaloneRunner {
        let store = try FileResourceStore(stateDirectory: state, clock: clock, durability: durability)
        let events = EventRecorder(sink: FileEventSink(path: "\(state)/events.log"), component: "keyward-standalone")
        var certificateOptions = CertificateReconciler.Options(volumeRoot: out, filesLayout: .sharedRoot)
        certificateOptions.filesDurability = durability
        certificateOptions.clusterResourceNamespace = clusterResourceNamespace
        certificateOptions.renewalSLA = try alerting?.renewalSLA() ?? RenewalSLA()
        // ACME servers and the names self-checked are the manifests' author's choice, fenced like verify.http.
        let acme = ACMEOptions(egress: egress, solvers: ACMESolvers([acmeHTTP01, RFC2136Solver()]))
        certificateOptions.acme = acme
        let certificates = CertificateReconciler(store: store, events: events, clock: clock, options: certificateOptions)
        var issuerOptions = IssuerReconciler<IssuerResource>.Options(clusterResourceNamespace: clusterResourceNamespace)
        issuerOptions.acme = acme
        let issuers = IssuerReconciler<IssuerResource>(store: store, events: events, clock: clock, options: issuerOptions)
        var clusterIssuerOptions = IssuerReconciler<ClusterIssuerResource>.Options(clusterResourceNamespace: clusterResourceNamespace)
        clusterIssuerOptions.acme = acme
        let clusterIssuers = IssuerReconciler<ClusterIssuerResource>(store: store, events: events, clock: clock,
                                                                     options: clusterIssuerOptions)
        // Standalone consumers are processes, not workloads: the rotation's onChange hooks are how they reload.
        var rotationOptions = SecretRotationReconciler.Options(runChangeHooks: true)
        rotationOptions.hashKey = FileHashKeySource(stateDirectory: state)
        let rotations = SecretRotationReconciler(store: store, events: events, clock: clock, options: rotationOptions,
                                                 probe: HTTPVerificationProbe(egress: egress))
        // With notification targets, each object's status is read for alert transitions right after its reconcile.
        // Endpoint probes (spec.endpoints) run right after each Certificate's pass: bounded handshakes, egress-checked.
        let probing = EndpointProbingReconciler(inner: certificates, probes: EndpointProbeReconciler(
            store: store, events: events, prober: TLSProber(egress: egress), clock: clock))
        var certificateLane: any Reconciler = probing
        var rotationLane: any Reconciler = rotations
        if let configuration = try alerting?.notifierConfiguration(egress: egress) {
            let notifier = Notifier(configuration: configuration, store: FileNotificationStateStore(stateDirectory: state),
                                    transport: CurlNotificationTransport(), clock: clock)
            let logger = Logger(label: "keyward.notify")
            certificateLane = AlertingReconciler(inner: certificateLane, alerts: AlertReconciler<Certificate>(
                store: store, notifier: notifier, classes: CertificateAlerts.classes, evaluate: CertificateAlerts.active), logger: logger)
            rotationLane = AlertingReconciler(inner: rotations, alerts: AlertReconciler<SecretRotation>(
                store: store, notifier: notifier, classes: SecretRotationAlerts.classes, evaluate: SecretRotationAlerts.active),
                logger: logger)
        }
        // Issuers first: a pass then finds them Ready before the Certificates that reference them.
        var runner = StandaloneRunner(store: store, manifestsDirectory: manifests, lanes: [
            StandaloneRunner.Lane(resource: ClusterIssuerResource.qualifiedPlural, reconciler: clusterIssuers),
            StandaloneRunner.Lane(resource: IssuerResource.qualifiedPlural, reconciler: issuers),
            StandaloneRunner.Lane(resource: Certificate.qualifiedPlural, reconciler: certificateLane) { key in
                // A leaf follows the CA Certificate that signs it, so one pass issues both.
                guard let certificate = try? await store.get(Certificate.self, namespace: key.namespace, name: key.name),
                      let ca = certificate.spec.issuer.ca?.certificateRef else { return nil }
                return ObjectKey(namespace: key.namespace, name: ca)
            },
            StandaloneRunner.Lane(resource: SecretRotation.qualifiedPlural, reconciler: rotationLane),
        ], clock: clock)
        if case .grouped(let commit) = durability { runner.groupCommit = commit }
        return runner
    }

    /// A run that stopped on its own (a failed flush): one error line saying why, then exit 1.
    static func stopping(_ error: StandaloneRunnerError) -> ExitCode {
        Logger(label: "keyward.standalone").error("stopping: \(error)")
        return .failure
    }

    /// Where a `ca` ClusterIssuer's Secret is looked for in standalone mode: manifests without a namespace land in
    /// `default`, and the manifests' author owns every namespace anyway.
    static let clusterResourceNamespace = "default"

    /// Where `keyward status` looks without --state: the folder scripts/run-example.sh uses.
    static let defaultStateDirectory = ".keyward/state"

    /// `keyward run --once`'s last line, e.g. "3 objects, 0 changed, 0 writes".
    static func summary(objects: Int, changed: Int, writes: Int) -> String {
        "\(objects) object\(objects == 1 ? "" : "s"), \(changed) changed, \(writes) write\(writes == 1 ? "" : "s")"
    }

    static func statusTable(_ store: FileResourceStore) async throws -> StatusTable {
        StatusTable(certificates: try await store.list(Certificate.self, namespace: nil),
                    rotations: try await store.list(SecretRotation.self, namespace: nil))
    }
}
