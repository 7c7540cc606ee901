/// Where ``NotificationState`` lives. `modify` is a read-modify-write that is safe against a concurrent writer (a
/// resourceVersion precondition in the cluster, a lock in a file): `change` may run more than once and must be a
/// pure function of the state it is given.
public protocol NotificationStateStore: Sendable {
    /// For messages: the ConfigMap's namespace/name or the file's path.
    var location: String { get }
    func modify<T: Sendable>(_ change: @Sendable (inout NotificationState) -> T) async throws -> T
}

extension NotificationStateStore {
    public func read() async throws -> NotificationState { try await modify { $0 } }
}
