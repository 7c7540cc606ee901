import Foundation

/// A notification that exhausted its attempts at one target, kept (bounded) until `keyward notify replay` delivers it.
public struct DeadLetter: Sendable, Hashable, Codable {
    public var target: NotificationTarget
    public var payload: NotificationPayload
    public var attempts: Int
    /// A class of failure (`HTTP 503`, `connection failed`, `egress denied`), never a response body.
    public var lastError: String
    public var failedAt: Date

    public init(target: NotificationTarget, payload: NotificationPayload, attempts: Int, lastError: String, failedAt: Date) {
        self.target = target
        self.payload = payload
        self.attempts = attempts
        self.lastError = lastError
        self.failedAt = failedAt
    }
}
