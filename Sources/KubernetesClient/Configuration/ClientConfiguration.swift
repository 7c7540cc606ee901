import Foundation

/// Everything the client needs to reach one API server as one identity.
public struct ClientConfiguration: Sendable {
    public var server: URL
    public var tls: TLSSettings
    public var credentials: Credentials
    /// The namespace the configuration defaults to (context namespace, in-cluster namespace file, or "default").
    public var namespace: String
    /// Where this configuration came from, for error messages and logs.
    public var source: String
    public var userAgent: String

    public init(server: URL, tls: TLSSettings = TLSSettings(), credentials: Credentials = .none,
                namespace: String = "default", source: String = "explicit", userAgent: String = "keyward") {
        self.server = server
        self.tls = tls
        self.credentials = credentials
        self.namespace = namespace
        self.source = source
        self.userAgent = userAgent
    }

    /// Loads configuration the way kubectl and client-go do: an explicit kubeconfig path, else `$KUBECONFIG`
    /// (several files separated by ':'), else in-cluster service-account files, else `~/.kube/config`.
    public static func load(kubeconfig explicitPath: String? = nil, context: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            serviceAccountDirectory: String = InClusterConfiguration.defaultDirectory)
        throws(ConfigurationError) -> ClientConfiguration
    {
        if let explicitPath { return try Kubeconfig.load(paths: [explicitPath]).configuration(context: context) }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            let paths = list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
            return try Kubeconfig.load(paths: paths).configuration(context: context)
        }
        if environment["KUBERNETES_SERVICE_HOST"] != nil {
            return try InClusterConfiguration.load(environment: environment, directory: serviceAccountDirectory)
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let fallback = home + "/.kube/config"
        guard FileManager.default.fileExists(atPath: fallback) else {
            throw .noConfiguration(searched: ["--kubeconfig", "$KUBECONFIG", "in-cluster (KUBERNETES_SERVICE_HOST)", fallback])
        }
        return try Kubeconfig.load(paths: [fallback]).configuration(context: context)
    }
}
