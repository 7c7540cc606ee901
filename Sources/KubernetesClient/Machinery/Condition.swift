import Foundation

/// metav1.Condition, the shape `kubectl wait --for=condition=X` reads.
public struct Condition: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable { case `true` = "True", `false` = "False", unknown = "Unknown" }

    public var type: String
    public var status: Status
    public var observedGeneration: Int64?
    public var lastTransitionTime: Date
    /// CamelCase machine-readable reason.
    public var reason: String
    public var message: String

    public init(type: String, status: Status, reason: String, message: String, observedGeneration: Int64? = nil,
                lastTransitionTime: Date) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.observedGeneration = observedGeneration
        self.lastTransitionTime = lastTransitionTime
    }
}

extension Array where Element == Condition {
    public subscript(type type: String) -> Condition? { first { $0.type == type } }

    /// Sets a condition the way apimachinery's `SetStatusCondition` does: `lastTransitionTime` moves only when the
    /// status changes, so a steady state rewrites nothing.
    public mutating func set(_ condition: Condition) {
        if let index = firstIndex(where: { $0.type == condition.type }) {
            var updated = condition
            if self[index].status == condition.status { updated.lastTransitionTime = self[index].lastTransitionTime }
            self[index] = updated
        } else {
            append(condition)
        }
    }

    public func isTrue(_ type: String) -> Bool { self[type: type]?.status == .true }
}
