import Foundation

/// The JSON body of every webhook notification (schema version 1, documented in docs/observability.md).
///
/// Only names, reasons and status messages Keyward already scrubbed for status: never key material or values.
public struct NotificationPayload: Sendable, Hashable, Codable {
    public static let schemaVersion = 1

    public enum State: String, Sendable, Hashable, Codable {
        /// The alert class became active.
        case firing
        /// It is no longer active (sent only after a `firing` was sent for it).
        case resolved
    }

    public var schemaVersion: Int
    /// Unique per notification; the same on a retry or replay, so receivers can drop duplicates.
    public var id: String
    public var state: State
    /// ``AlertClass`` raw value, e.g. `RenewalSLABreach`.
    public var alertClass: AlertClass
    public var severity: AlertClass.Severity
    public var summary: String
    public var object: NotificationObject
    /// The object's status message at the transition (e.g. the RenewalSLA condition's message).
    public var message: String
    /// When Keyward saw the transition.
    public var occurredAt: Date
    /// When the class first became active (for `resolved`: how long it lasted).
    public var activeSince: Date?

    public init(id: String = UUID().uuidString.lowercased(), state: State, alertClass: AlertClass, object: NotificationObject,
                message: String, occurredAt: Date, activeSince: Date? = nil) {
        self.schemaVersion = Self.schemaVersion
        self.id = id
        self.state = state
        self.alertClass = alertClass
        self.severity = alertClass.severity
        self.summary = alertClass.summary
        self.object = object
        self.message = message
        self.occurredAt = occurredAt
        self.activeSince = activeSince
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion, id, state, alertClass = "class", severity, summary, object, message, occurredAt, activeSince
    }

    /// Sorted keys, RFC 3339 times in whole seconds: the bytes that are signed.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> NotificationPayload {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(NotificationPayload.self, from: data)
    }
}
