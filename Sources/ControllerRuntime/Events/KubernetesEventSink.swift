import Foundation
import KeywardCore
import KubernetesClient
import KubernetesResources

/// Writes core/v1 Events through the API server; repeats are merge patches of `count`, `lastTimestamp` and
/// `message` (a combined Event shows its latest member's), a 404 surfacing as ``EventSinkError/notFound(name:namespace:)``.
public struct KubernetesEventSink: EventSink {
    private let client: KubernetesClient

    public init(client: KubernetesClient) { self.client = client }

    public func create(_ event: Event) async throws(EventSinkError) {
        let namespace = event.metadata.namespace ?? "default"
        do {
            _ = try await client.create(event, namespace: namespace)
        } catch {
            throw .failed(name: event.metadata.name, namespace: namespace, reason: String(describing: error))
        }
    }

    public func update(_ event: Event) async throws(EventSinkError) {
        let namespace = event.metadata.namespace ?? "default"
        var patch: JSONObject = ["count": .int(Int64(event.count ?? 1))]
        if let last = event.lastTimestamp { patch["lastTimestamp"] = .string(KubeTime.format(last)) }
        if let message = event.message { patch["message"] = .string(message) }
        do {
            _ = try await client.patch(Event.self, name: event.metadata.name, namespace: namespace,
                                       patch: .merge(.object(patch)))
        } catch let error as KubernetesError where error.isNotFound {
            throw .notFound(name: event.metadata.name, namespace: namespace)
        } catch {
            throw .failed(name: event.metadata.name, namespace: namespace, reason: String(describing: error))
        }
    }
}
