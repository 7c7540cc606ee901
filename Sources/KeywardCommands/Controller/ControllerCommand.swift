import ArgumentParser
import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import KubernetesResources
import Logging
import NotificationController
import ServiceLifecycle
import UnixSignals

/// `keyward controller`: the operator itself.
struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Run the operator: reconcile Certificates and SecretRotations in a cluster.")

    @Option(help: "Path to a kubeconfig (default: $KUBECONFIG, in-cluster service account, ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "kubeconfig context to use (default: current-context).")
    var context: String?

    @Option(name: .shortAndLong, help: "Watch only this namespace (default: all namespaces).")
    var namespace: String?

    @Option(help: ArgumentHelp("Watch only these namespaces, comma-separated or repeated (informers per namespace; RBAC in those namespaces suffices).",
                               valueName: "a,b"))
    var namespaces: [String] = []

    @Option(help: "Keyward-labelled Secrets and ConfigMaps larger than this are cached as metadata only and read live, bounded, when needed.")
    var maxCachedObjectBytes = OperatorAssembly.defaultMaxCachedObjectBytes

    @Option(help: "Seconds between manual triggers (renew, revoke, rotate, rollback) acted on for one object; requests in between are coalesced (0: no limit).")
    var manualTriggerInterval = OperatorAssembly.defaultManualTriggerInterval

    @Flag(help: "Run leader election so only one replica reconciles at a time.")
    var leaderElect = false

    @Option(help: "Name of the leader election Lease.")
    var leaseName = "keyward-controller"

    /// `--leader-election-namespace` is cert-manager's and controller-runtime's spelling.
    @Option(name: [.long, .customLong("leader-election-namespace")],
            help: "Namespace of the Lease (default: $POD_NAMESPACE, else keyward-system).")
    var leaseNamespace: String?

    /// 8: measured with `keyward-bench issuance` on 2 cores, 15 % more certificates a second than 4, and no gain at 16.
    @Option(help: "Objects reconciled in parallel per controller.")
    var concurrency = 8

    @Option(help: "Kubernetes API requests per second at most, every request counted (a client-side token bucket).")
    var qps: Double = 10

    @Option(help: "API requests allowed at once above --qps (the token bucket's size).")
    var burst = 100

    @Option(help: "New certificate signatures per second at most (spreads renewal storms).")
    var maxIssuanceRate: Double = 20

    /// controller-runtime's `--metrics-bind-address` and cert-manager's `--metrics-listen-address` spellings. Health
    /// probes share this endpoint, so there is no separate `--health-probe-bind-address`.
    @Option(name: [.long, .customLong("metrics-bind-address"), .customLong("metrics-listen-address")],
            help: "Address of the metrics, health and CRL endpoint ([host]:port; port 0 picks one).")
    var metricsAddress = MetricsAddress.defaultValue

    @Option(help: "Root folder of a shared volume for Certificates with a `files` section; each writes below <root>/<namespace>/.")
    var volumeRoot: String?

    @Option(help: "List every this many seconds instead of watching (for API paths where watch is unavailable).")
    var pollInterval: Double?

    @Option(help: "Seconds between resyncs that reconcile every cached object again without new requests.")
    var resyncInterval: Double = 600

    @OptionGroup var egress: EgressOptions

    @OptionGroup var acmeHTTP01: ACMEHTTP01Options

    @Option(name: .customLong("verify-job-service-accounts"), help: ArgumentHelp(
        "Service accounts a verify.job may name besides default, as namespace/name or */name (repeatable or comma-separated); their token is never mounted.",
        valueName: "ns/name"))
    var verifyJobServiceAccounts: [String] = []

    @Option(help: ArgumentHelp(
        "Namespace of the Secrets `ca` ClusterIssuers name (default: the controller's own, POD_NAMESPACE).",
        valueName: "namespace"))
    var clusterResourceNamespace: String?

    /// Renewal SLA, signed notifications and the Alertmanager push.
    @OptionGroup var alerting: AlertingOptions

    @OptionGroup var logging: LoggingOptions

    @OptionGroup var shutdown: ShutdownOptions

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard qps > 0, burst >= 1 else { throw ValidationError("--qps must be positive and --burst at least 1") }
        guard maxIssuanceRate > 0 else { throw ValidationError("--max-issuance-rate must be positive") }
        if let pollInterval, !(pollInterval >= 0.1) { throw ValidationError("--poll-interval must be at least 0.1 seconds") }
        guard resyncInterval >= 1 else { throw ValidationError("--resync-interval must be at least 1 second") }
        guard manualTriggerInterval >= 0 else { throw ValidationError("--manual-trigger-interval must not be negative") }
        guard maxCachedObjectBytes >= 1024 else { throw ValidationError("--max-cached-object-bytes must be at least 1024") }
        for name in watchedNamespaces where !Self.isNamespaceName(name) {
            throw ValidationError("--namespaces: '\(name)' is not a namespace name (a DNS label: lower-case letters, digits, '-', at most 63)")
        }
        do { _ = try MetricsAddress(parsing: metricsAddress) } catch {
            throw ValidationError("--metrics-address: \(error)")
        }
        for entry in verifyJobServiceAccountEntries {
            let parts = entry.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == "*" || Self.isNamespaceName(String(parts[0])), !parts[1].isEmpty else {
                throw ValidationError("--verify-job-service-accounts: '\(entry)' is not namespace/name or */name")
            }
        }
    }

    var verifyJobServiceAccountEntries: [String] {
        verifyJobServiceAccounts.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// --namespace and every --namespaces entry, in order, without repeats; empty for all namespaces.
    var watchedNamespaces: [String] {
        var seen: [String] = []
        let given = (namespace.map { [$0] } ?? []) + namespaces.flatMap { $0.split(separator: ",").map(String.init) }
        for name in given.map({ $0.trimmingCharacters(in: .whitespaces) }) where !seen.contains(name) { seen.append(name) }
        return seen
    }

    static func isNamespaceName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
    }

    func run() async throws {
        logging.bootstrap()
        let logger = Logger(label: "keyward")
        // From the first line on, so a signal in any startup phase still ends the process within the bound.
        let relay = ShutdownRelay(gracePeriod: shutdown.gracefulShutdownTimeout, logger: logger)
        let clientConfiguration: ClientConfiguration
        do { clientConfiguration = try ClientConfiguration.load(kubeconfig: kubeconfig, context: context) } catch {
            logger.error("cannot load the Kubernetes configuration: \(error); pass a readable kubeconfig with --kubeconfig (or $KUBECONFIG) and a context with --context")
            throw ExitCode.failure
        }
        let metrics = KeywardMetrics()
        let health = HealthState(leaderElectionEnabled: leaderElect)
        let client = KubernetesClient(configuration: clientConfiguration, rateLimit: RequestRateLimit(qps: qps, burst: burst),
                                      observer: { metrics.observeAPIRequest($0) })
        defer { client.shutdown() }
        // The Lease has a client of its own, outside --qps: a queue of throttled reconcile requests must never delay
        // a renewal past the lease's deadline.
        let leaseClient = KubernetesClient(configuration: clientConfiguration, observer: { metrics.observeAPIRequest($0) })
        defer { leaseClient.shutdown() }

        let elector = leaderElect ? LeaderElector(
            configuration: LeaderElectionConfiguration(
                namespace: leaseNamespace ?? ProcessInfo.processInfo.environment["POD_NAMESPACE"] ?? "keyward-system",
                name: leaseName),
            client: leaseClient, metrics: metrics, health: health) : nil
        var assembly = OperatorAssembly(
            client: client, scope: namespace.map { .namespace($0) } ?? .allNamespaces, namespaces: watchedNamespaces,
            maxCachedObjectBytes: maxCachedObjectBytes, concurrency: concurrency, manualTriggerInterval: manualTriggerInterval,
            maxIssuanceRate: maxIssuanceRate,
            volumeRoot: volumeRoot, pollInterval: pollInterval, resyncInterval: resyncInterval, metrics: metrics,
            clock: SystemClock())
        assembly.egress = try egress.policy(environment: ProcessInfo.processInfo.environment)
        assembly.verifyJobServiceAccounts = Set(verifyJobServiceAccountEntries)
        try acmeHTTP01.apply(to: &assembly, environment: ProcessInfo.processInfo.environment)
        assembly.renewalSLA = try alerting.renewalSLA()
        if let notifier = try alerting.notifierConfiguration(egress: assembly.egress) {
            // Cooldowns and dead letters live in a ConfigMap beside the Lease (the RBAC grants both there).
            let environment = ProcessInfo.processInfo.environment
            assembly.notifications = NotificationControllerSetup.Options(
                notifier: notifier, stateNamespace: self.leaseNamespace ?? environment["POD_NAMESPACE"] ?? "keyward-system")
        }
        if let clusterResourceNamespace { assembly.clusterResourceNamespace = clusterResourceNamespace }
        let built = await assembly.build(elector: elector, health: health)
        let manager = built.manager
        // Every service's failure ends the process with one error line naming the cause and the flag.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let address = try MetricsAddress(parsing: metricsAddress) {  // "0" turns the endpoint off
            let http = OperatorHTTPServer(address: address, metrics: metrics, health: health, routes: built.routes)
            services.append(.init(service: FailFastService(name: "metrics endpoint", service: http,
                                                           explain: { "\($0)" }, logger: logger)))
        }
        for (name, service) in built.services {
            services.append(.init(service: FailFastService(name: name, service: service, explain: { "\($0)" }, logger: logger)))
        }
        let leaseNamespace = self.leaseNamespace ?? ProcessInfo.processInfo.environment["POD_NAMESPACE"] ?? "keyward-system"
        let leaseName = self.leaseName
        services.append(.init(service: FailFastService(name: "controllers", service: manager, explain: { error in
            Self.explainManagerFailure(error, server: clientConfiguration.server.absoluteString, lease: "\(leaseNamespace)/\(leaseName)")
        }, logger: logger)))
        var groupConfiguration = ServiceGroupConfiguration(services: services, logger: logger)
        // A graceful shutdown that has not finished by 80% of the bound (a startup still waiting on the API server,
        // say) is escalated to cancellation, so the process usually ends cleanly before the hard deadline.
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(Int64(shutdown.gracefulShutdownTimeout * 800))
        let group = ServiceGroup(configuration: groupConfiguration)
        await relay.onShutdown { await group.triggerGracefulShutdown() }
        logger.info("keyward controller starting", metadata: [
            "version": "\(KeywardVersion.current)", "server": "\(clientConfiguration.server)",
            "namespace": "\(watchedNamespaces.isEmpty ? "(all)" : watchedNamespaces.joined(separator: ","))", "leaderElection": "\(leaderElect)",
            "discovery": "\(pollInterval.map { "poll every \($0) s" } ?? "watch")",
        ])
        do {
            try await group.run()
        } catch is FailFastError {
            throw ExitCode.failure  // the failing service logged why
        }
    }

    /// One sentence for a failure of the informers, controllers or leader election: the cause and what to change.
    static func explainManagerFailure(_ error: any Error, server: String, lease: String) -> String {
        switch error {
        case let error as InformerStartupError:
            return "\(error) (API server \(server))"
        case let error as LeaderElectionError:
            return "\(error) (Lease \(lease): --lease-namespace, --lease-name; --leader-elect turns leader election on)"
        case let error as KubernetesError:
            return "the API server \(server) refused the controller: \(error) (--kubeconfig, --context select the cluster and credentials)"
        default:
            return "the controllers stopped: \(error)"
        }
    }
}
