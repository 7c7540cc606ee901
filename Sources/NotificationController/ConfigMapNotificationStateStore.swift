import Foundation
import KubernetesClient
import KubernetesResources
import Notifications

/// The cluster's notification state: one ConfigMap (default `keyward-notifications` in the controller's namespace)
/// whose `state.json` holds cooldowns and dead letters, so they survive restarts and leader changes.
///
/// Writes carry the resourceVersion last read: a concurrent writer (another replica during a handover, `keyward
/// notify replay`) makes the update fail with a conflict, and the change is applied again to a fresh read. The last
/// read is kept for ``cacheLifetime``, so a burst of passes that change nothing makes no request, and a decision
/// that writes nothing is never based on a copy older than that (a leadership that moved away and back).
public actor ConfigMapNotificationStateStore: NotificationStateStore {
    public static let defaultName = "keyward-notifications"
    public static let dataKey = "state.json"
    /// A ConfigMap holds at most 1 MiB; the state's own bounds keep it far below.
    static let maximumConflictRetries = 5
    /// How long a read copy is trusted for decisions that write nothing.
    public static let cacheLifetime: Duration = .seconds(30)

    public nonisolated let location: String
    private let client: KubernetesClient
    private let namespace: String
    private let name: String
    private var cached: (configMap: ConfigMap?, state: NotificationState, readAt: ContinuousClock.Instant)?

    public init(client: KubernetesClient, namespace: String, name: String = ConfigMapNotificationStateStore.defaultName) {
        self.client = client
        self.namespace = namespace
        self.name = name
        location = "ConfigMap \(namespace)/\(name)"
    }

    public func modify<T: Sendable>(_ change: @Sendable (inout NotificationState) -> T) async throws -> T {
        for attempt in 0...Self.maximumConflictRetries {
            let (configMap, before) = try await current(fresh: attempt > 0)
            var state = before
            let result = change(&state)
            if state == before { return result }
            do {
                try await write(state, over: configMap)
                return result
            } catch KubernetesError.conflict, KubernetesError.alreadyExists {
                cached = nil
                continue
            }
        }
        throw NotificationError.state(location: location, reason: "kept conflicting with another writer")
    }

    private func current(fresh: Bool) async throws -> (ConfigMap?, NotificationState) {
        if !fresh, let cached, ContinuousClock.now - cached.readAt < Self.cacheLifetime { return (cached.configMap, cached.state) }
        let configMap: ConfigMap?
        do {
            configMap = try await client.get(ConfigMap.self, name: name, namespace: namespace)
        } catch KubernetesError.notFound {
            configMap = nil
        }
        var state = NotificationState()
        if let text = configMap?.data?[Self.dataKey] {
            // An unreadable state (edited by hand) is replaced, not fatal: at worst one notification repeats.
            state = (try? NotificationState.decode(Data(text.utf8))) ?? NotificationState()
        }
        cached = (configMap, state, ContinuousClock.now)
        return (configMap, state)
    }

    private func write(_ state: NotificationState, over existing: ConfigMap?) async throws {
        let text = String(decoding: try state.encoded(), as: UTF8.self)
        let written: ConfigMap
        if var configMap = existing {
            configMap.data = (configMap.data ?? [:]).merging([Self.dataKey: text]) { _, new in new }
            written = try await client.update(configMap)  // carries metadata.resourceVersion: a precondition
        } else {
            let fresh = ConfigMap(metadata: ObjectMeta(name: name, namespace: namespace,
                                                       labels: ["app.kubernetes.io/managed-by": "keyward"]),
                                  data: [Self.dataKey: text])
            written = try await client.create(fresh, namespace: namespace)
        }
        cached = (written, state, ContinuousClock.now)
    }
}
