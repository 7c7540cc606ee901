import ControllerRuntime
import Foundation
import KubernetesClient
import Synchronization

/// A restart in a test: the process "dies" after a chosen write; every later request fails and nothing is kept.
struct Killed: Error {}

/// A store that forwards to another and dies right after its `killAfter`-th successful write (counting creates,
/// updates, status updates and deletes), as a controller killed at that moment would. `killAfter: nil` never dies
/// and only counts, which tells a test how many kill points a run has.
final class CrashingStore: ResourceStore {
    private let base: any ResourceStore
    private let state: Mutex<(writes: Int, dead: Bool, killAfter: Int?, log: [String])>

    init(_ base: any ResourceStore, killAfter: Int?) {
        self.base = base
        state = Mutex((0, false, killAfter, []))
    }

    var isDead: Bool { state.withLock { $0.dead } }
    var writes: Int { state.withLock { $0.writes } }
    /// `verb kind/name` of each write, in order.
    var log: [String] { state.withLock { $0.log } }

    private func write<R>(_ description: String, _ body: () async throws -> R) async throws -> R {
        if isDead { throw Killed() }
        let result = try await body()
        let die = state.withLock { s in
            s.writes += 1
            s.log.append(description)
            if let limit = s.killAfter, s.writes >= limit { s.dead = true }
            return s.dead
        }
        if die { throw Killed() }
        return result
    }

    func get<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws -> T? {
        if isDead { throw Killed() }
        return try await base.get(type, namespace: namespace, name: name)
    }
    func getOwned<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws -> T? {
        if isDead { throw Killed() }
        return try await base.getOwned(type, namespace: namespace, name: name)
    }
    func list<T: KubernetesResource>(_ type: T.Type, namespace: String?, labels: [String: String]) async throws -> [T] {
        if isDead { throw Killed() }
        return try await base.list(type, namespace: namespace, labels: labels)
    }
    func create<T: KubernetesResource>(_ object: T) async throws -> T {
        try await write("create \(T.kind)/\(object.metadata.name)") { try await base.create(object) }
    }
    func update<T: KubernetesResource>(_ object: T) async throws -> T {
        try await write("update \(T.kind)/\(object.metadata.name)") { try await base.update(object) }
    }
    func updateStatus<T: HasStatusSubresource>(_ object: T) async throws -> T {
        try await write("status \(T.kind)/\(object.metadata.name)") { try await base.updateStatus(object) }
    }
    func delete<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async throws {
        try await write("delete \(T.kind)/\(name)") { try await base.delete(type, namespace: namespace, name: name) }
    }
    func cachedOnly<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) async -> T? {
        await base.cachedOnly(type, namespace: namespace, name: name)
    }
}
