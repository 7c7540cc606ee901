import Foundation

/// One alert in Alertmanager's v2 `POST /api/v2/alerts` body, made from a notification: labels that identify it
/// (so a `resolved` ends the same alert its `firing` started), annotations for people, and its time range.
public struct AlertmanagerAlert: Sendable, Hashable, Codable {
    /// A firing alert is held this long unless its resolution arrives first (Keyward pushes each transition once,
    /// rather than re-sending every evaluation as Prometheus does).
    public static let firingHold: TimeInterval = 24 * 3600

    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: Date
    public var endsAt: Date

    public init(_ payload: NotificationPayload) {
        var labels = [
            "alertname": payload.alertClass.alertName, "severity": payload.severity.rawValue, "source": "keyward",
            "kind": payload.object.kind, "name": payload.object.name,
        ]
        if !payload.object.namespace.isEmpty { labels["namespace"] = payload.object.namespace }
        self.labels = labels
        annotations = ["summary": payload.alertClass.summary, "description": payload.message, "keyward_id": payload.id]
        startsAt = payload.activeSince ?? payload.occurredAt
        endsAt = payload.state == .resolved ? payload.occurredAt : payload.occurredAt.addingTimeInterval(Self.firingHold)
    }

    /// The request body: a JSON array (of one).
    public static func body(_ payload: NotificationPayload) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode([AlertmanagerAlert(payload)])
    }
}
