import ArgumentParser
import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import KubernetesResources
import Logging
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

    @Option(help: "Watch only this namespace (default: all namespaces).")
    var namespace: String?

    @Flag(help: "Run leader election so only one replica reconciles at a time.")
    var leaderElect = false

    @Option(help: "Name of the leader election Lease.")
    var leaseName = "keyward-controller"

    /// `--leader-election-namespace` is cert-manager's and controller-runtime's spelling.
    @Option(name: [.long, .customLong("leader-election-namespace")],
            help: "Namespace of the Lease (default: $POD_NAMESPACE, else keyward-system).")
    var leaseNamespace: String?

    @Option(help: "Objects reconciled in parallel per controller.")
    var concurrency = 4

    @Option(help: "Overall rate of reconciles per second across all objects.")
    var qps: Double = 10

    @Option(help: "Burst of reconciles above --qps.")
    var burst = 100

    @Option(help: "New certificate signatures per second at most (spreads renewal storms).")
    var maxIssuanceRate: Double = 20

    /// controller-runtime's `--metrics-bind-address` and cert-manager's `--metrics-listen-address` spellings. Health
    /// probes share this endpoint, so there is no separate `--health-probe-bind-address`.
    @Option(name: [.long, .customLong("metrics-bind-address"), .customLong("metrics-listen-address")],
            help: "Address of the metrics, health and CRL endpoint ([host]:port; port 0 picks one).")
    var metricsAddress = MetricsAddress.defaultValue

    @Option(help: "Root folder of a shared volume for Certificates with a `files` section.")
    var volumeRoot: String?

    @Option(help: "List every this many seconds instead of watching (for API paths where watch is unavailable).")
    var pollInterval: Double?

    @Option(help: "Seconds between resyncs that reconcile every cached object again without new requests.")
    var resyncInterval: Double = 600

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard qps > 0, burst >= 1 else { throw ValidationError("--qps must be positive and --burst at least 1") }
        guard maxIssuanceRate > 0 else { throw ValidationError("--max-issuance-rate must be positive") }
        if let pollInterval, !(pollInterval >= 0.1) { throw ValidationError("--poll-interval must be at least 0.1 seconds") }
        guard resyncInterval >= 1 else { throw ValidationError("--resync-interval must be at least 1 second") }
        do { _ = try MetricsAddress(parsing: metricsAddress) } catch {
            throw ValidationError("--metrics-address: \(error)")
        }
    }

    func run() async throws {
        logging.bootstrap()
        let logger = Logger(label: "keyward")
        let clientConfiguration: ClientConfiguration
        do { clientConfiguration = try ClientConfiguration.load(kubeconfig: kubeconfig, context: context) } catch {
            throw ValidationError("cannot load Kubernetes configuration: \(error)")
        }
        let metrics = KeywardMetrics()
        let health = HealthState(leaderElectionEnabled: leaderElect)
        let client = KubernetesClient(configuration: clientConfiguration, observer: { metrics.observeAPIRequest($0) })
        defer { client.shutdown() }

        let elector = leaderElect ? LeaderElector(
            configuration: LeaderElectionConfiguration(
                namespace: leaseNamespace ?? ProcessInfo.processInfo.environment["POD_NAMESPACE"] ?? "keyward-system",
                name: leaseName),
            client: client, metrics: metrics, health: health) : nil
        let assembly = OperatorAssembly(
            client: client, scope: namespace.map { .namespace($0) } ?? .allNamespaces, concurrency: concurrency,
            rateLimiter: RateLimiterConfiguration(qps: qps, burst: burst), maxIssuanceRate: maxIssuanceRate,
            volumeRoot: volumeRoot, pollInterval: pollInterval, resyncInterval: resyncInterval, metrics: metrics,
            clock: SystemClock())
        let manager = await assembly.makeManager(elector: elector, health: health)
        let http = OperatorHTTPServer(address: try MetricsAddress(parsing: metricsAddress) ?? MetricsAddress(host: "0.0.0.0", port: 9465),
                                      metrics: metrics, health: health, crlProvider: CertificateCRLProvider(store: assembly.store))
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: http), .init(service: manager)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("keyward controller starting", metadata: [
            "version": "\(KeywardVersion.current)", "server": "\(clientConfiguration.server)",
            "namespace": "\(namespace ?? "(all)")", "leaderElection": "\(leaderElect)",
            "discovery": "\(pollInterval.map { "poll every \($0) s" } ?? "watch")",
        ])
        try await group.run()
    }
}
