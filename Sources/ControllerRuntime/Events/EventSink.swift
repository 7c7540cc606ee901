import Foundation
import KubernetesResources

/// Where recorded Events go: the Kubernetes API, or a log or file in standalone mode.
///
/// The recorder aggregates; a sink only stores. `update` carries the same Event (same name) with a higher `count`
/// and a later `lastTimestamp`.
public protocol EventSink: Sendable {
    func create(_ event: Event) async throws(EventSinkError)
    func update(_ event: Event) async throws(EventSinkError)
}

public enum EventSinkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The Event to update is gone (the API server expires Events an hour after their last update).
    case notFound(name: String, namespace: String)
    case failed(name: String, namespace: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let name, let namespace): "event \(namespace)/\(name) no longer exists"
        case .failed(let name, let namespace, let reason): "cannot write event \(namespace)/\(name): \(reason)"
        }
    }
}
