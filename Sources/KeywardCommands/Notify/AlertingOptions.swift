import ArgumentParser
import CertificateController
import Foundation
import KeywardCore
import Notifications

/// The renewal SLA and notification flags, shared by `keyward controller` and `keyward run`.
struct AlertingOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "How long before a Certificate's renewalTime a renewal that cannot be issued is a RenewalSLA warning (AtRisk), and how long a renewal pending at the issuer may run past it (Go duration).",
        valueName: "duration"))
    var renewalSLAWarning = "24h"

    @Option(name: .customLong("notify-url"), help: ArgumentHelp(
        "Webhook that receives a signed JSON notification on every alert-class transition (repeatable).", valueName: "url"))
    var notifyURLs: [String] = []

    @Option(help: ArgumentHelp(
        "File holding the HMAC-SHA256 key notifications are signed with (Keyward-Signature: t=<unix>,v1=<hex>); required with --notify-url.",
        valueName: "path"))
    var notifySigningKeyFile: String?

    @Option(help: ArgumentHelp("At most one notification per object and alert class in this window (Go duration).",
                               valueName: "duration"))
    var notifyCooldown = "1h"

    @Option(help: "Delivery attempts per notification and target (backoff 1 s, 2 s, 4 s ...) before it becomes a dead letter.")
    var notifyAttempts = DeliveryPolicy().attempts

    @Option(help: ArgumentHelp(
        "Alertmanager base URL: alerts are pushed to <url>/api/v2/alerts as they fire and resolve.", valueName: "url"))
    var alertmanagerURL: String?

    func validate() throws {
        _ = try renewalSLA()
        _ = try cooldown()
        guard (1...20).contains(notifyAttempts) else { throw ValidationError("--notify-attempts must be between 1 and 20") }
        if !notifyURLs.isEmpty, notifySigningKeyFile == nil {
            throw ValidationError("--notify-url needs --notify-signing-key-file: webhooks are always signed")
        }
        do {
            for url in notifyURLs { _ = try NotificationTarget(kind: .webhook, parsing: url) }
            if let alertmanagerURL { _ = try NotificationTarget(kind: .alertmanager, parsing: alertmanagerURL) }
        } catch { throw ValidationError("\(error)") }
    }

    func renewalSLA() throws -> RenewalSLA {
        RenewalSLA(warning: try duration(renewalSLAWarning, flag: "--renewal-sla-warning"))
    }

    func cooldown() throws -> TimeInterval { try duration(notifyCooldown, flag: "--notify-cooldown") }

    private func duration(_ text: String, flag: String) throws -> TimeInterval {
        let parsed: GoDuration
        do { parsed = try GoDuration(parsing: text) } catch { throw ValidationError("\(flag): \(error)") }
        guard parsed.nanoseconds >= 0 else { throw ValidationError("\(flag) must not be negative") }
        return parsed.timeInterval
    }

    /// The notifier's settings; nil when no target is configured (notifications off). Reads the key file.
    func notifierConfiguration(egress: EgressPolicy) throws -> Notifier.Configuration? {
        guard !notifyURLs.isEmpty || alertmanagerURL != nil else { return nil }
        var configuration = Notifier.Configuration()
        do {
            configuration.webhooks = try notifyURLs.map { try NotificationTarget(kind: .webhook, parsing: $0) }
            configuration.alertmanager = try alertmanagerURL.map { try NotificationTarget(kind: .alertmanager, parsing: $0) }
            configuration.signingKey = try notifySigningKeyFile.map { try SigningKey(fileAt: $0) }
        } catch { throw ValidationError("\(error)") }
        configuration.cooldown = try cooldown()
        configuration.delivery = DeliveryPolicy(attempts: notifyAttempts)
        configuration.egress = egress
        return configuration
    }
}
