import Foundation

/// Configuration from inside a pod: the service's host/port environment and the mounted service-account files.
public enum InClusterConfiguration {
    public static let defaultDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment,
                            directory: String = defaultDirectory) throws(ConfigurationError) -> ClientConfiguration
    {
        let envSource = "environment"
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw .missingField(path: envSource, field: "KUBERNETES_SERVICE_HOST")
        }
        guard let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else {
            throw .missingField(path: envSource, field: "KUBERNETES_SERVICE_PORT")
        }
        guard let portNumber = Int(port), (1...65535).contains(portNumber) else {
            throw .invalidField(path: envSource, field: "KUBERNETES_SERVICE_PORT", reason: "'\(port)' is not a port number")
        }
        // IPv6 service hosts need brackets in a URL.
        let hostPart = host.contains(":") ? "[\(host)]" : host
        guard let url = URL(string: "https://\(hostPart):\(portNumber)") else {
            throw .invalidField(path: envSource, field: "KUBERNETES_SERVICE_HOST", reason: "'\(host)' is not a host")
        }
        let tokenPath = directory + "/token"
        let caPath = directory + "/ca.crt"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw .unreadableFile(path: tokenPath, reason: "service-account token file is missing or unreadable")
        }
        let ca: Data
        do { ca = try Data(contentsOf: URL(fileURLWithPath: caPath)) } catch {
            throw .unreadableFile(path: caPath, reason: error.localizedDescription)
        }
        if let problem = PEMArmor.problem(in: ca, kind: .certificate) {
            throw .invalidField(path: caPath, field: "ca.crt", reason: "holds \(problem)")
        }
        let namespace = (try? String(contentsOfFile: directory + "/namespace", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return ClientConfiguration(
            server: url, tls: TLSSettings(caPEM: ca, caFile: caPath), credentials: .tokenFile(path: tokenPath, refreshInterval: 60),
            namespace: namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default", source: "in-cluster")
    }
}
