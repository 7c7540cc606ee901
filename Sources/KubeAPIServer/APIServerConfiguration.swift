import Foundation
import KeywardCore
import Logging

/// Everything a test can tune about the server before it starts.
public struct APIServerConfiguration: Sendable {
    /// Only loopback is accepted: this server has no authorization layer and must never face a network.
    public var host: String = "127.0.0.1"
    /// 0 asks the kernel for an ephemeral port (read it back from ``APIServer/port``).
    public var port: Int = 0
    /// Bearer token → user name. The user `admin` (or the user of ``APIServer/token``) may use `/_keyward/*`.
    public var tokens: [String: String] = ["keyward-test-token": "admin"]
    /// Directories whose `*.yaml`/`*.yml` CustomResourceDefinitions are installed at start.
    public var crdDirectories: [URL] = []
    /// How often watches that asked for `allowWatchBookmarks` receive a BOOKMARK.
    public var bookmarkInterval: Duration = .seconds(1)
    /// How many watch events are retained; a watch or `continue` from an older resourceVersion gets 410.
    public var historyLimit: Int = 10_000
    /// Simulated workload controllers for apps/v1 Deployments, StatefulSets and DaemonSets.
    public var rollout: RolloutSimulation = .off
    /// Accept TLS client certificates signed by this authority (user = subject CN, groups = O).
    public var clientCA: ClientCertificateAuthority? = nil
    /// Source of timestamps written into objects (creationTimestamp, deletionTimestamp, ages in tables).
    public var clock: any WallClock = SystemClock()
    /// Serve aggregated discovery (`apidiscovery.k8s.io/v2`) when a client asks for it, as kube-apiserver 1.30+
    /// does. Turning it off exercises the legacy per-group discovery path that older clients use.
    public var aggregatedDiscovery: Bool = true
    /// The server's own log level (startup, skipped CEL rules, HTTP errors). Quiet by default so test output stays
    /// readable.
    public var logLevel: Logger.Level = .warning
    /// Offer HTTP/2 through ALPN (with HTTP/1.1 for clients that do not ask for it), as kube-apiserver does: clients
    /// that multiplex send many requests over one connection (``APIServerChannel``). Off serves HTTP/1.1 only, to
    /// compare the two.
    public var http2: Bool = true

    public init() {}
}

/// What the simulated apps/v1 controllers do after a workload's pod template changes.
public enum RolloutSimulation: Sendable, Equatable {
    /// Status is left exactly as clients write it.
    case off
    /// Status first reports the new generation with nothing updated, then everything ready after the delay
    /// (measured on ``APIServerConfiguration/clock``, so a `ManualClock` test advances it).
    case after(Duration)
    /// Status reports the new generation but never becomes ready (for rollout-timeout tests).
    case never
}

/// Which certificate authority vouches for TLS client certificates.
public enum ClientCertificateAuthority: Sendable, Equatable {
    /// The CA the server generated for itself; ``APIServer/issueClientCertificate(user:groups:)`` signs with it.
    case serverCA
    /// An external CA certificate (PEM).
    case pem(String)
}
