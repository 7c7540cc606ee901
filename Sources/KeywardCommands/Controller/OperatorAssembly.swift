import CertificateController
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KubernetesClient
import NotificationController
import SecretRotationController

/// Builds the operator: the settings its controllers share, and the list of controllers, each registering its own
/// informers, watches, queues and metrics (`CertificateControllerSetup`, `SecretRotationControllerSetup`).
///
/// Kept apart from the command line so tests can run the same wiring against the test API server.
public struct OperatorAssembly: Sendable {
    public let client: KubernetesClient
    public let store: KubernetesStore
    public let scope: NamespaceSelector
    /// When not empty, informers per namespace for just these (`--namespaces`), instead of `scope`.
    public let namespaces: [String]
    /// Keyward-labelled Secrets and ConfigMaps over this many bytes are cached as metadata only
    /// (`--max-cached-object-bytes`); nil caches them whole.
    public let maxCachedObjectBytes: Int?
    public let concurrency: Int
    /// At most one manual trigger (renew, revoke, rotate, rollback) acted on per object per this many seconds
    /// (`--manual-trigger-interval`); 0 turns the limit off.
    public let manualTriggerInterval: TimeInterval
    public let rateLimiter: RateLimiterConfiguration
    public let volumeRoot: String?
    /// When set, informers list every this many seconds instead of watching (`--poll-interval`).
    public let pollInterval: TimeInterval?
    /// How often every cached object is reconciled again without new requests (`--resync-interval`).
    public let resyncInterval: TimeInterval
    public let metrics: KeywardMetrics
    public let clock: any WallClock
    /// Issuances per second over all Certificates (`--max-issuance-rate`).
    public let maxIssuanceRate: Double
    let events: EventRecorder
    /// Where tenant-aimed requests (`spec.verify.http`) may connect (`--egress-deny-cidr`, `--egress-allow-cidr`).
    public var egress = EgressPolicy()
    /// Service accounts a verification Job may name besides `default` (`--verify-job-service-accounts`).
    public var verifyJobServiceAccounts: Set<String> = []
    /// Where `ca` ClusterIssuers keep their Secrets (`--cluster-resource-namespace`).
    public var clusterResourceNamespace = IssuerOptions.defaultClusterResourceNamespace
    /// How often a ready CA issuer's Secret is read again (a user's Secret is not watched).
    public var issuerRecheckInterval: TimeInterval = 300
    /// `--renewal-sla-warning`.
    public var renewalSLA = RenewalSLA()
    /// Notification targets and where their state lives (`--notify-url`, `--alertmanager-url`); nil for none.
    public var notifications: NotificationControllerSetup.Options?
    /// Every replica's ACME HTTP-01 challenge listener (`--acme-http01-address`); nil runs none.
    public var acmeHTTP01Address: MetricsAddress?
    /// The Service HTTP-01 Ingresses and HTTPRoutes route to (`--acme-http01-service`).
    public var acmeHTTP01Backend = HTTP01ServiceBackend(name: "keyward-acme-http01")
    /// How the HTTP-01 self-check reaches a name (`--acme-http01-self-check-port`, `...-connect-to`).
    public var acmeHTTP01SelfCheck = HTTP01SelfCheck()

    public init(client: KubernetesClient, scope: NamespaceSelector = .allNamespaces, namespaces: [String] = [],
                maxCachedObjectBytes: Int? = OperatorAssembly.defaultMaxCachedObjectBytes, concurrency: Int = 8,
                manualTriggerInterval: TimeInterval = OperatorAssembly.defaultManualTriggerInterval,
                rateLimiter: RateLimiterConfiguration = RateLimiterConfiguration(), maxIssuanceRate: Double = 20,
                volumeRoot: String? = nil, pollInterval: TimeInterval? = nil, resyncInterval: TimeInterval = 600,
                metrics: KeywardMetrics = KeywardMetrics(), clock: any WallClock = SystemClock()) {
        self.client = client
        self.store = KubernetesStore(client: client)
        self.scope = scope
        self.namespaces = namespaces
        self.maxCachedObjectBytes = maxCachedObjectBytes
        self.concurrency = concurrency
        self.manualTriggerInterval = manualTriggerInterval
        self.rateLimiter = rateLimiter
        self.volumeRoot = volumeRoot
        self.pollInterval = pollInterval
        self.resyncInterval = resyncInterval
        self.metrics = metrics
        self.clock = clock
        self.maxIssuanceRate = maxIssuanceRate
        self.events = EventRecorder(sink: KubernetesEventSink(client: client), clock: clock)
    }

    /// 256 KiB: far above any certificate Secret or rotated Secret, and a CRL of thousands of entries.
    public static let defaultMaxCachedObjectBytes = 256 * 1024
    public static let defaultManualTriggerInterval: TimeInterval = 30

    /// The settings every controller shares.
    public var managerOptions: ManagerOptions {
        var options = ManagerOptions()
        options.scope = scope
        options.namespaces = namespaces
        options.ownedLabelSelector = [KeywardLabels.owned: KeywardLabels.ownedValue]
        options.maxCachedObjectBytes = maxCachedObjectBytes
        options.concurrency = concurrency
        options.manualTriggerInterval = manualTriggerInterval
        options.rateLimiter = rateLimiter
        options.pollInterval = pollInterval
        options.resyncInterval = resyncInterval
        options.clock = clock
        return options
    }

    public var certificateOptions: CertificateControllerSetup.Options {
        var options = CertificateControllerSetup.Options(volumeRoot: volumeRoot)
        options.maxIssuanceRate = maxIssuanceRate
        options.clusterResourceNamespace = clusterResourceNamespace
        options.issuerRecheckInterval = issuerRecheckInterval
        options.renewalSLA = renewalSLA
        // spec.endpoints are tenant-chosen addresses: probed through the same egress policy.
        options.endpoints.egress = egress
        options.acmeHTTP01Address = acmeHTTP01Address
        // ACME servers are tenant-chosen: fenced like verify.http.
        options.acme.egress = egress
        // The RFC 2136 DNS-01 solver, then any solver already in the options (which replaces it), then HTTP-01.
        options.acme.solvers = ACMESolvers([RFC2136Solver()]
            + options.acme.solvers.byType.values.filter { $0.challengeType != .http01 }
            + [HTTP01Solver(environment: .cluster(acmeHTTP01Backend), selfCheck: acmeHTTP01SelfCheck)])
        return options
    }

    public var secretRotationOptions: SecretRotationControllerSetup.Options {
        var options = SecretRotationControllerSetup.Options()
        options.egress = egress
        options.verifyJobServiceAccounts = verifyJobServiceAccounts
        return options
    }

    /// Every controller, each registering its own informers, watches, queues, metrics and HTTP routes: the builder's
    /// `manager` runs them, its `routes` go to the ``OperatorHTTPServer``.
    public func build(elector: LeaderElector?, health: HealthState?) async -> ManagerBuilder {
        var builder = ManagerBuilder(client: client, store: store, options: managerOptions, metrics: metrics, events: events,
                                     manager: Manager(elector: elector, health: health))
        await CertificateControllerSetup.register(with: &builder, options: certificateOptions)
        await SecretRotationControllerSetup.register(with: &builder, options: secretRotationOptions)
        // After both: it watches the informers they registered.
        if let notifications { await NotificationControllerSetup.register(with: &builder, options: notifications) }
        return builder
    }

    /// The manager of ``build(elector:health:)`` (for callers that serve no HTTP endpoint).
    public func makeManager(elector: LeaderElector?, health: HealthState?) async -> Manager {
        await build(elector: elector, health: health).manager
    }
}
