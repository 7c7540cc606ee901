import Foundation

/// Why ``APIServer/start(_:)`` failed.
public enum APIServerError: Error, Sendable, CustomStringConvertible {
    /// The configured host is not a loopback address (this server has no authorization and must not face a network).
    case notLoopback(host: String)
    /// The listener could not be bound.
    case listenFailed(address: String, reason: String)
    /// A file in a CRD directory could not be read, parsed or installed.
    case customResourceDefinition(file: String, reason: String)
    /// TLS material could not be created or loaded.
    case tls(reason: String)

    public var description: String {
        switch self {
        case .notLoopback(let host): "refusing to listen on \(host): only loopback addresses are allowed"
        case .listenFailed(let address, let reason): "cannot listen on \(address): \(reason)"
        case .customResourceDefinition(let file, let reason): "cannot install CRDs from \(file): \(reason)"
        case .tls(let reason): "TLS setup failed: \(reason)"
        }
    }
}
