import ControllerRuntime
import Foundation
import KeywardAPI
import KubernetesClient
import KubernetesResources

/// `keyward status issuer|clusterissuer NAME`: whether the issuer can sign, what it signs with (the CA Secret and its
/// expiry), which Certificates depend on it and which of those are not Ready, and the recent Events.
struct IssuerStatusReport: Codable, Sendable {
    struct SecretFacts: Codable, Sendable {
        var namespace: String
        var name: String
        /// nil when the Secret's namespace is not known to this command (a ClusterIssuer without
        /// `--cluster-resource-namespace`).
        var present: Bool?
    }

    var kind: String
    var namespace: String?
    var name: String
    var ready: Bool
    var type: String
    var generation: Int64?
    var observedGeneration: Int64?
    var conditions: [StatusFacts.ConditionFacts]
    var caNotAfter: Date?
    var caFingerprintSHA256: String?
    var secret: SecretFacts?
    /// `namespace/name` of every Certificate referencing the issuer, and those of them that are not Ready.
    var certificates: [String]
    var notReadyCertificates: [String]
    var events: [StatusFacts.EventFacts]

    static func build<Issuer: IssuerObject>(_ issuer: Issuer, source: ObjectSource, clusterResourceNamespace: String?,
                                            now: Date) async throws -> IssuerStatusReport {
        let namespace = Issuer.isNamespaced ? (issuer.metadata.namespace ?? source.namespace) : nil
        let status = issuer.status
        var secret: SecretFacts?
        if let ca = issuer.spec.ca {
            if let secretNamespace = namespace ?? clusterResourceNamespace {
                let stored = try await source.store.get(Secret.self, namespace: secretNamespace, name: ca.secretName)
                secret = SecretFacts(namespace: secretNamespace, name: ca.secretName, present: stored != nil)
            } else {
                secret = SecretFacts(namespace: "--cluster-resource-namespace", name: ca.secretName, present: nil)
            }
        }
        // A ClusterIssuer's dependants live in every namespace; an Issuer's only in its own.
        let kind = Certificate.IssuerReference.IssuerKind(rawValue: Issuer.kind)
        let dependants = try await source.store.list(Certificate.self, namespace: namespace).filter {
            $0.spec.issuer.issuerRef?.kind == kind && $0.spec.issuer.issuerRef?.name == issuer.metadata.name
        }
        func key(_ certificate: Certificate) -> String { "\(certificate.metadata.namespace ?? "")/\(certificate.metadata.name)" }
        let notReady = dependants.filter { $0.status?.conditions.isTrue(Certificate.ConditionType.ready) != true }
        // The recorder files Events about cluster-scoped objects in `default`.
        let events = try await source.recentEvents(kind: Issuer.kind, name: issuer.metadata.name,
                                                   namespace: namespace ?? "default")
        return IssuerStatusReport(
            kind: Issuer.kind, namespace: namespace, name: issuer.metadata.name, ready: issuer.isReady,
            type: issuer.spec.kind.map { "\($0)" } ?? "invalid", generation: issuer.metadata.generation,
            observedGeneration: status?.observedGeneration,
            conditions: (status?.conditions ?? []).map { StatusFacts.ConditionFacts($0, now: now) },
            caNotAfter: status?.caNotAfter, caFingerprintSHA256: status?.caFingerprintSHA256, secret: secret,
            certificates: dependants.map(key).sorted(), notReadyCertificates: notReady.map(key).sorted(),
            events: events.map { StatusFacts.EventFacts($0, now: now) })
    }

    func rendered(style: TerminalStyle, now: Date) -> String {
        let readyMark = ready ? style.good("Ready") : style.bad("Not Ready")
        let title = namespace.map { "\(kind) \($0)/\(name)" } ?? "\(kind) \(name)"
        var lines = [style.bold(title) + ": \(readyMark) (\(type))"]
        lines += StatusFacts.render(conditions, style: style)
        if let secret {
            let state = switch secret.present {
            case true?: "present"
            case false?: style.bad("not found")
            case nil: "namespace unknown (pass --cluster-resource-namespace)"
            }
            lines.append(StatusFacts.row("CA Secret", "\(secret.namespace)/\(secret.name): \(state)"))
        }
        if caNotAfter != nil { lines.append(StatusFacts.row("CA expires", StatusFacts.time(caNotAfter, now: now))) }
        if let caFingerprintSHA256 { lines.append(StatusFacts.row("CA SHA-256", caFingerprintSHA256)) }
        lines.append(StatusFacts.row("Certificates", certificates.isEmpty ? "none reference it"
            : "\(certificates.count) reference it, \(notReadyCertificates.count) not Ready"))
        for certificate in notReadyCertificates.prefix(10) { lines.append("    " + style.warning("not Ready") + "  \(certificate)") }
        lines += StatusFacts.render(events, style: style)
        return lines.joined(separator: "\n")
    }
}
