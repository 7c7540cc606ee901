import Foundation

/// Identifies one object: what work queues hold and reconcilers receive.
public struct ObjectKey: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var namespace: String?
    public var name: String

    public init(namespace: String?, name: String) {
        self.namespace = namespace
        self.name = name
    }

    public var description: String { namespace.map { "\($0)/\(name)" } ?? name }
    public static func < (a: ObjectKey, b: ObjectKey) -> Bool { a.description < b.description }
}

/// What a reconcile asks for next.
public struct ReconcileResult: Sendable, Equatable {
    /// Reconcile again after this many seconds (a renewal time, a rollout poll), even if nothing changes.
    public var requeueAfter: TimeInterval?
    public init(requeueAfter: TimeInterval? = nil) { self.requeueAfter = requeueAfter }
    public static let done = ReconcileResult()
}

/// Level-triggered reconciliation: read the whole state for `key` and converge it. Throwing retries the key with
/// rate-limited backoff; throwing ``TerminalError`` stops retrying until the object changes.
public protocol Reconciler: Sendable {
    func reconcile(_ key: ObjectKey) async throws -> ReconcileResult
}

/// An error no retry can fix (invalid spec): reported, then the key is forgotten until its object changes.
public struct TerminalError: Error, Sendable, CustomStringConvertible {
    public var underlying: any Error
    public init(_ underlying: any Error) { self.underlying = underlying }
    public var description: String { "\(underlying)" }
}
