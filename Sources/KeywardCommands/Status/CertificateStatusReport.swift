import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardPKI
import KubernetesClient
import KubernetesResources

/// `keyward status certificate NAME`: why a Certificate is (not) Ready, in one screen — conditions, its Secret,
/// the issuer chain and its readiness, the issuer's CRL and the recent Events.
struct CertificateStatusReport: Codable, Sendable {
    struct SecretFacts: Codable, Sendable {
        var name: String
        var present: Bool
        /// Keyward may write it for this Certificate: created for it (the `keyward.dev/owned` label and the provenance
        /// annotation), or adopted by consent (`spec.adoptExistingSecret` and the Secret's `keyward.dev/allow-adoption`).
        var owned: Bool?
        /// Owned through the Secret's consent rather than because Keyward created it.
        var adoptedByConsent: Bool?
        var type: String?
        var serialNumber: String?
        var notBefore: Date?
        var notAfter: Date?
        /// When the controller renews (status.renewalTime of the Certificate).
        var renewalTime: Date?
        var keyAlgorithm: String?
        var keyMatchesCertificate: Bool?
        var problem: String?
    }

    /// One link of the issuer chain, nearest first.
    struct IssuerFacts: Codable, Sendable {
        /// `selfSigned`, `certificate/NAME` or `secret/NAME`.
        var reference: String
        var found: Bool
        var ready: Bool
        var reason: String?
        var message: String?
        var notAfter: Date?
    }

    struct CRLFacts: Codable, Sendable {
        /// The ConfigMap the controller publishes the issuer's CRL in.
        var configMap: String
        var present: Bool
        var entries: Int?
        var crlNumber: String?
        var thisUpdate: Date?
        var nextUpdate: Date?
        var current: Bool?
        /// Whether the Certificate's current serial is listed.
        var listsCurrentSerial: Bool?
        var problem: String?
    }

    var kind = "Certificate"
    var namespace: String
    var name: String
    var ready: Bool
    var state: String
    var generation: Int64?
    var observedGeneration: Int64?
    var conditions: [StatusFacts.ConditionFacts]
    var serialNumber: String?
    var notAfter: Date?
    var renewalTime: Date?
    var revision: Int?
    var lastError: String?
    var failedIssuanceAttempts: Int?
    var nextRetryTime: Date?
    var secret: SecretFacts
    var issuers: [IssuerFacts]
    var crl: CRLFacts?
    var events: [StatusFacts.EventFacts]

    /// Longest issuer chain followed (CAs issued by CAs); a loop or a deeper chain stops there.
    static let maximumChainLength = 8

    static func build(_ certificate: Certificate, source: ObjectSource, now: Date) async throws -> CertificateStatusReport {
        let namespace = certificate.metadata.namespace ?? source.namespace
        let status = certificate.status
        let readyCondition = status?.conditions[type: Certificate.ConditionType.ready]
        let secret = try await secretFacts(certificate, namespace: namespace, store: source.store)
        let issuers = try await issuerChain(certificate, namespace: namespace, store: source.store, now: now)
        let crl = try await crlFacts(certificate, namespace: namespace, store: source.store, now: now)
        let events = try await source.recentEvents(kind: Certificate.kind, name: certificate.metadata.name)
        return CertificateStatusReport(
            namespace: namespace, name: certificate.metadata.name, ready: readyCondition?.status == .true,
            state: status?.state?.rawValue ?? Certificate.State.pending.rawValue,
            generation: certificate.metadata.generation, observedGeneration: status?.observedGeneration,
            conditions: (status?.conditions ?? []).map { StatusFacts.ConditionFacts($0, now: now) },
            serialNumber: status?.serialNumber, notAfter: status?.notAfter, renewalTime: status?.renewalTime,
            revision: status?.revision, lastError: status?.lastError, failedIssuanceAttempts: status?.failedIssuanceAttempts,
            nextRetryTime: status?.nextRetryTime, secret: secret, issuers: issuers, crl: crl,
            events: events.map { StatusFacts.EventFacts($0, now: now) })
    }

    private static func secretFacts(_ certificate: Certificate, namespace: String, store: any ResourceStore) async throws -> SecretFacts {
        let name = certificate.spec.secretName
        guard let secret = try await store.get(Secret.self, namespace: namespace, name: name) else {
            return SecretFacts(name: name, present: false)
        }
        var facts = SecretFacts(name: name, present: true, type: secret.type)
        let created = secret.metadata.labels[KeywardLabels.owned] == KeywardLabels.ownedValue
            && secret.metadata.annotations[KeywardAnnotations.certificateName] == certificate.metadata.name
        let consented = certificate.spec.adoptExistingSecret
            && AdoptionConsent.allows(secret, kind: Certificate.kind, name: certificate.metadata.name)
        facts.owned = created || consented
        facts.adoptedByConsent = !created && consented
        facts.renewalTime = certificate.status?.renewalTime
        let leaf = secret.data["tls.crt"].flatMap { MaterialBundle(bytes: Array($0)).certificates.first }
        let key = secret.data["tls.key"].flatMap { MaterialBundle(bytes: Array($0)).privateKeys.first }
        if let leaf, let info = try? CertificateInfo(leaf) {
            facts.serialNumber = info.serialHex.uppercased()
            facts.notBefore = info.notBefore
            facts.notAfter = info.notAfter
        } else {
            facts.problem = secret.data["tls.crt"] == nil ? "no tls.crt" : "tls.crt holds no readable certificate"
        }
        if let key {
            facts.keyAlgorithm = key.algorithm.description
            if let leaf { facts.keyMatchesCertificate = key.matches(leaf) }
        } else if facts.problem == nil {
            facts.problem = secret.data["tls.key"] == nil ? "no tls.key" : "tls.key holds no readable private key"
        }
        return facts
    }

    private static func issuerChain(_ certificate: Certificate, namespace: String, store: any ResourceStore,
                                     now: Date) async throws -> [IssuerFacts] {
        var chain: [IssuerFacts] = []
        var reference = certificate.spec.issuer
        var seen: Set<String> = [certificate.metadata.name]
        while chain.count < maximumChainLength {
            switch reference.kind {
            case nil:
                chain.append(IssuerFacts(reference: "invalid", found: false, ready: false, reason: "InvalidSpec",
                                         message: "spec.issuer must set exactly one of selfSigned, ca.certificateRef, ca.secretRef"))
                return chain
            case .selfSigned:
                chain.append(IssuerFacts(reference: reference.summary, found: true, ready: true))
                return chain
            case .secret(let name):
                chain.append(try await secretIssuer(name, namespace: namespace, store: store, now: now))
                return chain
            case .issuer(let name):
                let issuer = try await store.get(IssuerResource.self, namespace: namespace, name: name)
                chain.append(issuerObjectFacts(issuer, reference: reference.summary, missing: "Issuer \(namespace)/\(name)"))
                return chain
            case .clusterIssuer(let name):
                let issuer = try await store.get(ClusterIssuerResource.self, namespace: nil, name: name)
                chain.append(issuerObjectFacts(issuer, reference: reference.summary, missing: "ClusterIssuer \(name)"))
                return chain
            case .certificate(let name):
                guard let ca = try await store.get(Certificate.self, namespace: namespace, name: name) else {
                    chain.append(IssuerFacts(reference: reference.summary, found: false, ready: false, reason: "NotFound",
                                             message: "Certificate \(namespace)/\(name) does not exist"))
                    return chain
                }
                let condition = ca.status?.conditions[type: Certificate.ConditionType.ready]
                var facts = IssuerFacts(reference: reference.summary, found: true,
                                        ready: condition?.status == .true && ca.spec.isCA,
                                        reason: condition?.reason ?? "Pending", message: condition?.message,
                                        notAfter: ca.status?.notAfter)
                if !ca.spec.isCA {
                    facts.reason = "NotACA"
                    facts.message = "Certificate \(namespace)/\(name) does not set isCA: true"
                }
                chain.append(facts)
                guard seen.insert(name).inserted else { return chain }
                reference = ca.spec.issuer
            }
        }
        return chain
    }

    /// An Issuer or ClusterIssuer as its own Ready condition describes it.
    private static func issuerObjectFacts(_ issuer: (some IssuerObject)?, reference: String, missing: String) -> IssuerFacts {
        guard let issuer else {
            return IssuerFacts(reference: reference, found: false, ready: false, reason: "NotFound", message: "\(missing) does not exist")
        }
        let condition = issuer.status?.conditions[type: IssuerConditionType.ready]
        return IssuerFacts(reference: reference, found: true, ready: issuer.isReady, reason: condition?.reason ?? "Pending",
                           message: condition?.message, notAfter: issuer.status?.caNotAfter)
    }

    private static func secretIssuer(_ name: String, namespace: String, store: any ResourceStore, now: Date) async throws -> IssuerFacts {
        let reference = "secret/\(name)"
        guard let secret = try await store.get(Secret.self, namespace: namespace, name: name) else {
            return IssuerFacts(reference: reference, found: false, ready: false, reason: "NotFound",
                               message: "Secret \(namespace)/\(name) does not exist")
        }
        let certificate = secret.data["tls.crt"].flatMap { MaterialBundle(bytes: Array($0)).certificates.first }
        let key = secret.data["tls.key"].flatMap { MaterialBundle(bytes: Array($0)).privateKeys.first }
        guard let certificate, let info = try? CertificateInfo(certificate) else {
            return IssuerFacts(reference: reference, found: true, ready: false, reason: "NoCertificate",
                               message: "tls.crt holds no readable certificate")
        }
        let problem: (String, String)? =
            !info.isCA ? ("NotACA", "the certificate in tls.crt is not a CA")
            : key == nil ? ("NoKey", "tls.key holds no readable private key")
            : key?.matches(certificate) == false ? ("KeyMismatch", "tls.key does not match tls.crt")
            : now > info.notAfter ? ("Expired", "the CA certificate expired at \(KubeTime.format(info.notAfter))")
            : nil
        return IssuerFacts(reference: reference, found: true, ready: problem == nil, reason: problem?.0 ?? "Ready",
                           message: problem?.1, notAfter: info.notAfter)
    }

    private static func crlFacts(_ certificate: Certificate, namespace: String, store: any ResourceStore,
                                 now: Date) async throws -> CRLFacts? {
        let issuerName: String
        switch certificate.spec.issuer.kind {
        case .certificate(let name), .secret(let name): issuerName = name
        case .selfSigned, .issuer, .clusterIssuer, nil: return nil
        }
        let configMapName = "\(issuerName)-crl"
        var facts = CRLFacts(configMap: "\(namespace)/\(configMapName)", present: false)
        guard let configMap = try await store.get(ConfigMap.self, namespace: namespace, name: configMapName),
              let pem = configMap.data?["ca.crl"] else { return facts }
        facts.present = true
        do {
            let crl = try CertificateRevocationList(pemEncoded: pem)
            facts.entries = crl.entries.count
            facts.crlNumber = crl.crlNumber.description
            facts.thisUpdate = crl.thisUpdate
            facts.nextUpdate = crl.nextUpdate
            facts.current = crl.thisUpdate <= now && now <= crl.nextUpdate
            if let serial = certificate.status?.serialNumber?.uppercased() {
                facts.listsCurrentSerial = crl.entries.contains { $0.serialHex.uppercased() == serial }
            }
        } catch {
            facts.problem = error.description
        }
        return facts
    }

    func rendered(style: TerminalStyle, now: Date) -> String {
        let readyMark = ready ? style.good("Ready") : style.bad("Not Ready")
        var lines = [style.bold("Certificate \(namespace)/\(name)") + ": \(readyMark) (state \(state))"]
        if let generation, observedGeneration != generation {
            lines.append(StatusFacts.row("Generation", "\(generation), status describes \(observedGeneration.map(String.init) ?? "none yet")"))
        }
        lines += StatusFacts.render(conditions, style: style)
        if let lastError { lines.append(StatusFacts.row("Last error", lastError)) }
        if let failedIssuanceAttempts, failedIssuanceAttempts > 0 {
            lines.append(StatusFacts.row("Retries", "\(failedIssuanceAttempts) failed, next \(StatusFacts.time(nextRetryTime, now: now))"))
        }
        if secret.present {
            let ownership = secret.adoptedByConsent == true ? "adopted by this Certificate with the Secret's consent"
                : secret.owned == true ? "owned by this Certificate" : style.warning("not owned by this Certificate")
            var facts = ["present", ownership]
            if let problem = secret.problem { facts.append(style.bad(problem)) }
            lines.append(StatusFacts.row("Secret", "\(namespace)/\(secret.name): " + facts.joined(separator: ", ")))
            if let serial = secret.serialNumber { lines.append(StatusFacts.row("  serial", serial)) }
            if let notAfter = secret.notAfter { lines.append(StatusFacts.row("  notAfter", StatusFacts.time(notAfter, now: now))) }
            lines.append(StatusFacts.row("  renewal", StatusFacts.time(secret.renewalTime, now: now)))
            if let algorithm = secret.keyAlgorithm {
                lines.append(StatusFacts.row("  key", algorithm + (secret.keyMatchesCertificate == false ? ", " + style.bad("does not match tls.crt") : "")))
            }
        } else {
            lines.append(StatusFacts.row("Secret", "\(namespace)/\(secret.name): " + style.warning("not present")))
        }
        for (index, issuer) in issuers.enumerated() {
            let label = index == 0 ? "Issuer" : "  issued by"
            var text = issuer.reference + ": "
            if !issuer.found { text += style.bad("not found") } else { text += issuer.ready ? style.good("ready") : style.bad("not ready") }
            if let reason = issuer.reason, !issuer.ready { text += " (\(reason))" }
            if let message = issuer.message, !issuer.ready { text += ": \(message)" }
            lines.append(StatusFacts.row(label, text))
        }
        if let crl {
            if !crl.present {
                lines.append(StatusFacts.row("CRL", "\(crl.configMap): not published"))
            } else if let problem = crl.problem {
                lines.append(StatusFacts.row("CRL", "\(crl.configMap): " + style.bad("unreadable: \(problem)")))
            } else {
                var text = "\(crl.configMap): \(crl.entries ?? 0) entries, number \(crl.crlNumber ?? "?"), next update "
                    + StatusFacts.time(crl.nextUpdate, now: now)
                if crl.current == false { text += ", " + style.bad("stale") }
                if crl.listsCurrentSerial == true { text += ", " + style.bad("lists the current serial") }
                lines.append(StatusFacts.row("CRL", text))
            }
        }
        lines += StatusFacts.render(events, style: style)
        return lines.joined(separator: "\n")
    }
}
