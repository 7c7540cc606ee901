/// A kind of trouble Keyward notifies about. Each is a level (active or not) per object; a notification is sent when
/// one becomes active (`firing`) and when it stops (`resolved`).
public enum AlertClass: String, Sendable, Hashable, Codable, CaseIterable {
    /// RenewalSLA=False AtRisk: the renewal is due soon and cannot be issued right now.
    case renewalSLAWarning = "RenewalSLAWarning"
    /// RenewalSLA=False Breached: renewalTime passed and the certificate has not been renewed.
    case renewalSLABreach = "RenewalSLABreach"
    /// Issuance or renewal attempts fail (IssuanceFailed, IssuerNotReady, InvalidSpec, SecretNotOwned, Held).
    case issuanceFailing = "IssuanceFailing"
    /// The stored certificate was revoked and its replacement is not stored yet.
    case revoked = "Revoked"
    /// An endpoint still serves an older certificate than the one Keyward issued (Served=False StaleCertificate).
    case endpointStale = "EndpointStale"
    /// A SecretRotation's last attempt failed (phase Failed).
    case rotationFailed = "RotationFailed"
    /// A SecretRotation's last rotation was rolled back.
    case rolledBack = "RolledBack"

    public enum Severity: String, Sendable, Hashable, Codable {
        case warning
        case critical
    }

    public var severity: Severity {
        switch self {
        case .renewalSLABreach, .endpointStale, .rotationFailed, .revoked: .critical
        case .renewalSLAWarning, .issuanceFailing, .rolledBack: .warning
        }
    }

    /// Alertmanager's `alertname` label.
    public var alertName: String { "Keyward\(rawValue)" }

    /// One line for humans (Alertmanager's `summary` annotation, the payload's `summary`).
    public var summary: String {
        switch self {
        case .renewalSLAWarning: "certificate renewal is at risk of missing its renewal time"
        case .renewalSLABreach: "certificate was not renewed by its renewal time"
        case .issuanceFailing: "certificate issuance is failing"
        case .revoked: "certificate was revoked and is being replaced"
        case .endpointStale: "an endpoint still serves an older certificate"
        case .rotationFailed: "secret rotation failed"
        case .rolledBack: "secret rotation was rolled back"
        }
    }
}
