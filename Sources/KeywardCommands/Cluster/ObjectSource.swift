import ArgumentParser
import CertificateGate
import ControllerRuntime
import Foundation
import KeywardCore
import KubernetesClient
import KubernetesResources
import StandaloneStore

/// Where the read-only commands (`inspect secret`, `status certificate`) read objects: a cluster through the
/// kubeconfig, or a standalone `--state` folder. Both are a ``ResourceStore``; Events come from the API or from the
/// folder's `events.log`.
struct ObjectSource: Sendable {
    let store: any ResourceStore
    /// The namespace names resolve in: `-n`, else the kubeconfig's, else `default`.
    let namespace: String
    private let client: KubernetesClient?
    private let stateDirectory: String?

    /// How many Events `recentEvents` returns at most, newest last.
    static let eventLimit = 10

    static func open(_ target: TargetOptions) throws -> ObjectSource {
        try open(namespace: target.namespace, kubeconfig: target.kubeconfig, context: target.context, state: target.state)
    }

    static func open(namespace: String?, kubeconfig: String?, context: String?, state: String?) throws -> ObjectSource {
        if let state {
            guard FileManager.default.fileExists(atPath: state) else {
                throw ValidationError("--state \(state): no such folder (run `keyward run` first)")
            }
            return ObjectSource(store: try FileResourceStore(stateDirectory: state), namespace: namespace ?? "default",
                                client: nil, stateDirectory: state)
        }
        let configuration: ClientConfiguration
        do { configuration = try ClientConfiguration.load(kubeconfig: kubeconfig, context: context) } catch {
            throw ValidationError("cannot load Kubernetes configuration: \(error)")
        }
        let client = KubernetesClient(configuration: configuration)
        return ObjectSource(store: KubernetesStore(client: client), namespace: namespace ?? configuration.namespace,
                            client: client, stateDirectory: nil)
    }

    func shutdown() { client?.shutdown() }

    /// The most recent Events about one object (by kind and name), oldest first.
    /// `namespace` is where the Events live: the object's own, or `default` for a cluster-scoped object.
    func recentEvents(kind: String, name: String, namespace eventNamespace: String? = nil) async throws -> [Event] {
        let namespace = eventNamespace ?? self.namespace
        var events: [Event]
        if let client {
            let options = ListOptions(fieldSelector: "involvedObject.name=\(name)")
            events = try await client.listAll(Event.self, in: .namespace(namespace), options: options).items
        } else if let stateDirectory {
            events = Self.standaloneEvents(path: "\(stateDirectory)/events.log")
        } else {
            events = []
        }
        events = events.filter {
            $0.involvedObject.kind == kind && $0.involvedObject.name == name
                && ($0.involvedObject.namespace ?? $0.metadata.namespace ?? namespace) == namespace
        }
        // Standalone logs every update of an aggregated Event again: keep the latest line per Event name.
        var latest: [String: Event] = [:]
        var order: [String] = []
        for event in events {
            let key = event.metadata.name.isEmpty ? UUID().uuidString : event.metadata.name
            if latest[key] == nil { order.append(key) }
            latest[key] = event
        }
        let unique = order.compactMap { latest[$0] }
            .sorted { ($0.lastTimestamp ?? .distantPast) < ($1.lastTimestamp ?? .distantPast) }
        return Array(unique.suffix(Self.eventLimit))
    }

    /// `events.log` of a state folder: one JSON Event per line; unreadable lines are skipped.
    private static func standaloneEvents(path: String) -> [Event] {
        guard case .contents(let data) = FileProbe.read(path) else { return [] }
        return data.split(separator: 0x0A).compactMap { try? KubeJSON.decode(Event.self, from: $0) }
    }
}
