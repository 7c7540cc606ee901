import Foundation
import KubernetesClient
import KubernetesResources

/// Pieces shared by the `keyward status certificate|secretrotation` reports. Codable for `-o json|yaml`; every
/// field is a fact read from the API (or the state folder), never a secret value.
enum StatusFacts {
    struct ConditionFacts: Codable, Sendable {
        var type: String
        var status: String
        var reason: String
        var message: String
        var lastTransitionTime: Date
        var age: String

        init(_ condition: Condition, now: Date) {
            type = condition.type
            status = condition.status.rawValue
            reason = condition.reason
            message = condition.message
            lastTransitionTime = condition.lastTransitionTime
            age = Age.format(since: condition.lastTransitionTime, now: now)
        }
    }

    struct EventFacts: Codable, Sendable {
        var type: String
        var reason: String
        var message: String
        var count: Int
        var lastTimestamp: Date?
        var age: String

        init(_ event: Event, now: Date) {
            type = event.type?.rawValue ?? "Normal"
            reason = event.reason ?? ""
            message = event.message ?? ""
            count = event.count ?? 1
            lastTimestamp = event.lastTimestamp ?? event.firstTimestamp
            age = lastTimestamp.map { Age.format(since: $0, now: now) } ?? "?"
        }
    }

    /// Conditions as aligned rows.
    static func render(_ conditions: [ConditionFacts], style: TerminalStyle) -> [String] {
        guard !conditions.isEmpty else { return ["  Conditions:  none yet (not reconciled)"] }
        var lines = ["  Conditions:"]
        let typeWidth = conditions.map(\.type.count).max() ?? 0
        let reasonWidth = conditions.map(\.reason.count).max() ?? 0
        for condition in conditions {
            let status = condition.status.padding(toLength: 7, withPad: " ", startingAt: 0)
            let painted = condition.status == "True" ? style.good(status) : condition.status == "False" ? style.bad(status) : status
            lines.append("    " + condition.type.padding(toLength: typeWidth + 2, withPad: " ", startingAt: 0) + painted
                         + condition.reason.padding(toLength: reasonWidth + 2, withPad: " ", startingAt: 0)
                         + condition.age.padding(toLength: 7, withPad: " ", startingAt: 0) + condition.message)
        }
        return lines
    }

    static func render(_ events: [EventFacts], style: TerminalStyle) -> [String] {
        guard !events.isEmpty else { return ["  Events:      none"] }
        var lines = ["  Events (oldest first):"]
        let reasonWidth = events.map(\.reason.count).max() ?? 0
        for event in events {
            let type = event.type.padding(toLength: 9, withPad: " ", startingAt: 0)
            let age = (event.age + (event.count > 1 ? " (x\(event.count))" : "")).padding(toLength: 12, withPad: " ", startingAt: 0)
            lines.append("    " + (event.type == "Warning" ? style.warning(type) : type)
                         + event.reason.padding(toLength: reasonWidth + 2, withPad: " ", startingAt: 0) + age + event.message)
        }
        return lines
    }

    static func row(_ label: String, _ value: String) -> String {
        "  " + (label + ":").padding(toLength: 15, withPad: " ", startingAt: 0) + value
    }

    static func time(_ date: Date?, now: Date) -> String {
        guard let date else { return "-" }
        return "\(KubeTime.format(date)) (\(Age.relative(date, now: now)))"
    }
}
