import ControllerRuntime
import Foundation
import KeywardAPI
import KubernetesClient
import KubernetesResources
import RotationStrategies

/// `keyward status secretrotation NAME`: conditions, phase, schedule, the Secret (key names only, never values),
/// consumers still to migrate and the recent Events.
struct SecretRotationStatusReport: Codable, Sendable {
    struct SecretFacts: Codable, Sendable {
        var name: String
        var present: Bool
        /// Keyward may write it for this SecretRotation: created by Keyward for SecretRotations (the `keyward.dev/owned`
        /// label and the provenance annotation), or adopted by consent (`keyward.dev/allow-adoption`).
        var owned: Bool?
        /// The data keys the Secret holds (names only).
        var keys: [String]?
        /// Keys the spec rotates that the Secret lacks.
        var missingKeys: [String]?
        /// The rotation revision whose values the Secret holds (`keyward.dev/rotation-revision`).
        var revision: String?
    }

    var kind = "SecretRotation"
    var namespace: String
    var name: String
    var ready: Bool
    var phase: String?
    var generation: Int64?
    var observedGeneration: Int64?
    var conditions: [StatusFacts.ConditionFacts]
    var revision: Int?
    var lastRotationTime: Date?
    var nextRotationTime: Date?
    var lastError: String?
    var failedAttempts: Int?
    var nextRetryTime: Date?
    var consumersPending: [String]
    var secret: SecretFacts
    var events: [StatusFacts.EventFacts]

    static func build(_ rotation: SecretRotation, source: ObjectSource, now: Date) async throws -> SecretRotationStatusReport {
        let namespace = rotation.metadata.namespace ?? source.namespace
        let status = rotation.status
        let secretName = rotation.spec.secretName
        var secret = SecretFacts(name: secretName, present: false)
        if let stored = try await source.store.get(Secret.self, namespace: namespace, name: secretName) {
            secret.present = true
            // Secrets Keyward created for SecretRotations may be shared by the rotations of a namespace.
            secret.owned = (stored.metadata.labels[KeywardLabels.owned] == KeywardLabels.ownedValue
                            && stored.metadata.annotations[KeywardAnnotations.secretRotationName] != nil)
                || AdoptionConsent.allows(stored, kind: SecretRotation.kind, name: rotation.metadata.name)
            secret.keys = stored.data.keys.sorted()
            secret.missingKeys = rotation.spec.valueKeys.filter { stored.data[$0] == nil }
            secret.revision = stored.metadata.annotations[KeywardAnnotations.rotationRevision]
        }
        let events = try await source.recentEvents(kind: SecretRotation.kind, name: rotation.metadata.name)
        return SecretRotationStatusReport(
            namespace: namespace, name: rotation.metadata.name,
            ready: status?.conditions[type: SecretRotation.ConditionType.ready]?.status == .true,
            phase: status?.phase.map { "\($0.rawValue)" }, generation: rotation.metadata.generation,
            observedGeneration: status?.observedGeneration,
            conditions: (status?.conditions ?? []).map { StatusFacts.ConditionFacts($0, now: now) },
            revision: status?.revision, lastRotationTime: status?.lastRotationTime, nextRotationTime: status?.nextRotationTime,
            lastError: status?.lastError, failedAttempts: status?.failedAttempts, nextRetryTime: status?.nextRetryTime,
            consumersPending: status?.consumers?.pending ?? [], secret: secret,
            events: events.map { StatusFacts.EventFacts($0, now: now) })
    }

    func rendered(style: TerminalStyle, now: Date) -> String {
        let readyMark = ready ? style.good("Ready") : style.bad("Not Ready")
        var lines = [style.bold("SecretRotation \(namespace)/\(name)") + ": \(readyMark)" + (phase.map { " (phase \($0))" } ?? "")]
        lines += StatusFacts.render(conditions, style: style)
        if let revision { lines.append(StatusFacts.row("Revision", "\(revision)")) }
        lines.append(StatusFacts.row("Last rotated", StatusFacts.time(lastRotationTime, now: now)))
        lines.append(StatusFacts.row("Next", StatusFacts.time(nextRotationTime, now: now)))
        if let lastError { lines.append(StatusFacts.row("Last error", lastError)) }
        if let failedAttempts, failedAttempts > 0 {
            lines.append(StatusFacts.row("Retries", "\(failedAttempts) failed, next \(StatusFacts.time(nextRetryTime, now: now))"))
        }
        if secret.present {
            var facts = ["present", secret.owned == true ? "writable by this SecretRotation" : style.warning("not owned by this SecretRotation")]
            if let missing = secret.missingKeys, !missing.isEmpty { facts.append(style.bad("missing keys \(missing.joined(separator: ", "))")) }
            lines.append(StatusFacts.row("Secret", "\(namespace)/\(secret.name): " + facts.joined(separator: ", ")))
            lines.append(StatusFacts.row("  keys", (secret.keys ?? []).joined(separator: ", ")))
            if let revision = secret.revision { lines.append(StatusFacts.row("  revision", revision)) }
        } else {
            lines.append(StatusFacts.row("Secret", "\(namespace)/\(secret.name): " + style.warning("not present")))
        }
        if !consumersPending.isEmpty { lines.append(StatusFacts.row("Migrating", consumersPending.joined(separator: ", "))) }
        lines += StatusFacts.render(events, style: style)
        return lines.joined(separator: "\n")
    }
}
