import Foundation
import KeywardAPI
import KeywardCore

/// Turns cert-manager.io/v1 manifests into Keyward ones: every Certificate becomes a keyward.dev Certificate, and
/// the Issuers and ClusterIssuers of the same input are folded into the Certificates that reference them (Keyward
/// has no Issuer kind: `spec.issuer` is selfSigned, a CA Certificate or a CA Secret in the same namespace).
///
/// Whatever cannot be expressed is reported per object as a ``Finding`` (and never silently dropped); a Certificate
/// whose issuer cannot be resolved to selfSigned or a CA from the same input is not converted at all. Documents that
/// are not cert-manager's (Namespaces, Deployments…) pass through unchanged.
struct CertManagerConverter {
    struct Finding: Sendable, Hashable, CustomStringConvertible {
        /// `Kind namespace/name` of the cert-manager object.
        var object: String
        /// The field (or the whole object) that was not carried over.
        var field: String
        var reason: String

        var description: String { "\(object): \(field): \(reason)" }
    }

    /// One output document, with the comments written above it.
    struct Document: Sendable {
        var comments: [String]
        var object: JSONValue
    }

    struct Result: Sendable {
        var documents: [Document] = []
        /// What could not be mapped (the command exits 1 for any, unless `--allow-lossy`).
        var dropped: [Finding] = []
        /// Mapped, but worth knowing (defaults made explicit, Issuers folded away).
        var notes: [Finding] = []
    }

    static let group = "cert-manager.io"

    /// cert-manager Certificate spec fields mapped one to one (same name, same meaning in Keyward).
    static let copiedFields = ["secretName", "commonName", "dnsNames", "ipAddresses", "uris", "emailAddresses", "duration",
                               "renewBefore", "isCA"]
    /// Why a cert-manager field has no Keyward equivalent.
    static let unsupportedFields: [String: String] = [
        "keystores": "Keyward writes no JKS/PKCS#12 keystores",
        "additionalOutputFormats": "Keyward writes no combined-PEM/DER output formats (secretKeys covers ca.crt only)",
        "literalSubject": "Keyward builds the subject from commonName and subject only",
        "nameConstraints": "Keyward issues no name constraints",
        "otherNames": "Keyward issues no otherName SANs",
        "encodeUsagesInRequest": "Keyward issues without CertificateRequests",
        "revisionHistoryLimit": "Keyward keeps no CertificateRequests to limit",
    ]
    static let subjectFields = ["organizations", "organizationalUnits", "countries", "localities", "provinces",
                                "streetAddresses", "postalCodes", "serialNumber"]
    static let usages: Set<String> = Set(Certificate.Usage.allowedValues.map(\.rawValue))

    private var issuers: [String: JSONValue] = [:]
    /// Keyed by name; the `ca` Secret then lives in cert-manager's cluster resource namespace.
    private var clusterIssuers: [String: JSONValue] = [:]
    /// (namespace, secretName) → name of a CA Certificate in the input writing that Secret.
    private var caCertificates: [String: String] = [:]

    static func convert(_ input: [JSONValue]) -> Result {
        var converter = CertManagerConverter()
        return converter.run(input.flatMap { $0["kind"]?.stringValue == "List" ? ($0["items"]?.arrayValue ?? []) : [$0] })
    }

    private mutating func run(_ documents: [JSONValue]) -> Result {
        var result = Result()
        for document in documents where isCertManager(document) {
            let name = document["metadata"]?["name"]?.stringValue ?? ""
            switch document["kind"]?.stringValue {
            case "Issuer": issuers[key(namespace(of: document), name)] = document
            case "ClusterIssuer": clusterIssuers[name] = document
            case "Certificate" where document["spec"]?["isCA"]?.boolValue == true:
                if let secret = document["spec"]?["secretName"]?.stringValue {
                    caCertificates[key(namespace(of: document), secret)] = name
                }
            default: break
            }
        }
        var referenced: Set<String> = []
        for document in documents {
            guard isCertManager(document) else {
                result.documents.append(Document(comments: [], object: document))
                continue
            }
            switch document["kind"]?.stringValue {
            case "Certificate":
                let converted = certificate(document, referenced: &referenced)
                result.dropped += converted.dropped
                result.notes += converted.notes
                if let object = converted.object {
                    let name = document["metadata"]?["name"]?.stringValue ?? ""
                    let secret = document["spec"]?["secretName"]?.stringValue ?? ""
                    let comments = ["Converted from \(describe(document)) by `keyward convert --from cert-manager`.",
                                    "To hand over the existing Secret: kubectl annotate secret -n \(namespace(of: document)) \(secret) "
                                        + "\(KeywardAnnotations.allowAdoption)=Certificate/\(name)"]
                        + converted.dropped.map { "dropped \($0.field): \($0.reason)" }
                        + converted.notes.map { "note \($0.field): \($0.reason)" }
                    result.documents.append(Document(comments: comments, object: object))
                }
            case "Issuer", "ClusterIssuer":
                break  // Reported below, once it is known which Certificates use them.
            default:
                result.dropped.append(Finding(object: describe(document), field: "(object)",
                                              reason: "Keyward has no equivalent of this cert-manager kind"))
            }
        }
        for document in documents where isCertManager(document) {
            let kind = document["kind"]?.stringValue ?? ""
            guard kind == "Issuer" || kind == "ClusterIssuer" else { continue }
            let id = issuerID(kind: kind, namespace: namespace(of: document), name: document["metadata"]?["name"]?.stringValue ?? "")
            let mappable = issuerProblem(document) == nil
            if !mappable {
                result.dropped.append(Finding(object: describe(document), field: "spec", reason: issuerProblem(document) ?? ""))
            } else if referenced.contains(id) {
                result.notes.append(Finding(object: describe(document), field: "(object)",
                                            reason: "folded into the Certificates that reference it (Keyward has no Issuer kind)"))
            } else {
                result.notes.append(Finding(object: describe(document), field: "(object)",
                                            reason: "no Certificate in the input references it; nothing to convert"))
            }
        }
        return result
    }

    private struct Converted {
        var object: JSONValue?
        var dropped: [Finding] = []
        var notes: [Finding] = []
    }

    private func certificate(_ document: JSONValue, referenced: inout Set<String>) -> Converted {
        let object = describe(document)
        var converted = Converted()
        func drop(_ field: String, _ reason: String) { converted.dropped.append(Finding(object: object, field: field, reason: reason)) }
        func note(_ field: String, _ reason: String) { converted.notes.append(Finding(object: object, field: field, reason: reason)) }
        let source = document["spec"]?.objectValue ?? [:]
        let namespace = namespace(of: document)
        var spec: JSONObject = [:]

        // The issuer first: without one the Certificate cannot exist in Keyward.
        switch resolveIssuer(source["issuerRef"], namespace: namespace) {
        case .failure(let reason):
            drop("spec.issuerRef", reason + "; the Certificate was not converted")
            return converted
        case .success(let resolved):
            spec["issuer"] = resolved.issuer
            referenced.insert(resolved.id)
            if let points = resolved.crlDistributionPoints { spec["crlDistributionPoints"] = points }
            if let warning = resolved.note { note("spec.issuerRef", warning) }
        }

        for field in Self.copiedFields { if let value = source[field] { spec[field] = value } }
        if spec["secretName"] == nil { drop("spec.secretName", "missing (required by Keyward)") }

        if let percentage = source["renewBeforePercentage"] {
            if source["renewBefore"] != nil {
                drop("spec.renewBeforePercentage", "renewBefore is set too; cert-manager rejects both")
            } else if let percent = percentage.intValue, (1...99).contains(percent),
                      let duration = try? GoDuration(parsing: source["duration"]?.stringValue ?? Certificate.Spec.defaultDuration.rawValue) {
                spec["renewBefore"] = .string(Self.format(seconds: Int64(duration.seconds) * percent / 100))
                note("spec.renewBeforePercentage", "expressed as renewBefore (\(percent)% of the duration)")
            } else {
                drop("spec.renewBeforePercentage", "not a percentage between 1 and 99 of a readable duration")
            }
        }

        if let subject = source["subject"]?.objectValue {
            var mapped: JSONObject = [:]
            for (field, value) in subject {
                if Self.subjectFields.contains(field) { mapped[field] = value } else { drop("spec.subject.\(field)", "unknown subject field") }
            }
            if !mapped.isEmpty { spec["subject"] = .object(mapped) }
        }

        if let usages = source["usages"]?.arrayValue {
            var kept: [JSONValue] = []
            for usage in usages {
                if let name = usage.stringValue, Self.usages.contains(name) { kept.append(usage) } else {
                    drop("spec.usages", "unknown usage \(usage.stringValue ?? "(not a string)")")
                }
            }
            if !kept.isEmpty { spec["usages"] = .array(kept) }
        }

        spec["privateKey"] = .object(privateKey(source["privateKey"]?.objectValue ?? [:], drop: drop, note: note))

        if let template = source["secretTemplate"]?.objectValue {
            var mapped: JSONObject = [:]
            for (field, value) in template {
                if field == "labels" || field == "annotations" { mapped[field] = value } else { drop("spec.secretTemplate.\(field)", "unknown field") }
            }
            if !mapped.isEmpty { spec["secretTemplate"] = .object(mapped) }
        }

        let handled = Set(Self.copiedFields + ["issuerRef", "renewBeforePercentage", "subject", "usages", "privateKey", "secretTemplate"])
        for field in source.keys.sorted() where !handled.contains(field) {
            drop("spec.\(field)", Self.unsupportedFields[field] ?? "no Keyward equivalent")
        }

        // A migration writes into the Secret cert-manager created: adoption, which still needs the Secret's consent.
        spec["adoptExistingSecret"] = true

        var metadata: JSONObject = ["name": document["metadata"]?["name"] ?? .string("")]
        if let ns = document["metadata"]?["namespace"] { metadata["namespace"] = ns }
        for field in ["labels", "annotations"] {
            let kept = (document["metadata"]?[field]?.objectValue ?? [:]).filter {
                !$0.key.hasPrefix("cert-manager.io/") && $0.key != "kubectl.kubernetes.io/last-applied-configuration"
            }
            if !kept.isEmpty { metadata[field] = .object(kept) }
        }
        converted.object = .object([
            "apiVersion": .string("\(KeywardAPIGroup.name)/\(KeywardAPIGroup.version)"), "kind": "Certificate",
            "metadata": .object(metadata), "spec": .object(spec),
        ])
        return converted
    }

    /// cert-manager's privateKey. Its default algorithm is RSA 2048 where Keyward's is ECDSA P-256, so a missing
    /// algorithm is written out as RSA to keep the key type.
    private func privateKey(_ source: JSONObject, drop: (String, String) -> Void, note: (String, String) -> Void) -> JSONObject {
        var key: JSONObject = [:]
        let algorithm = source["algorithm"]?.stringValue ?? "RSA"
        if source["algorithm"] == nil { note("spec.privateKey.algorithm", "cert-manager's default RSA written out (Keyward defaults to ECDSA)") }
        guard ["RSA", "ECDSA", "Ed25519"].contains(algorithm) else {
            drop("spec.privateKey.algorithm", "\(algorithm) is not supported (RSA, ECDSA, Ed25519); Keyward's default ECDSA P-256 applies")
            return key
        }
        key["algorithm"] = .string(algorithm)
        if let size = source["size"]?.intValue {
            let supported: [Int64] = algorithm == "RSA" ? [2048, 3072, 4096] : algorithm == "ECDSA" ? [256, 384] : []
            if supported.contains(size) { key["size"] = .int(size) } else if algorithm != "Ed25519" {
                drop("spec.privateKey.size", "\(algorithm) \(size) is not supported (\(supported.map(String.init).joined(separator: ", "))); the default size applies")
            }
        }
        for field in ["rotationPolicy", "encoding"] {
            guard let value = source[field]?.stringValue else { continue }
            let allowed = field == "rotationPolicy" ? ["Always", "Never"] : ["PKCS1", "PKCS8"]
            if allowed.contains(value) { key[field] = .string(value) } else { drop("spec.privateKey.\(field)", "unknown value \(value)") }
        }
        for field in source.keys.sorted() where !["algorithm", "size", "rotationPolicy", "encoding"].contains(field) {
            drop("spec.privateKey.\(field)", "no Keyward equivalent")
        }
        return key
    }

    private struct ResolvedIssuer {
        var issuer: JSONValue
        var id: String
        var crlDistributionPoints: JSONValue?
        var note: String?
    }

    private enum Resolution {
        case success(ResolvedIssuer)
        case failure(String)
    }

    private func resolveIssuer(_ reference: JSONValue?, namespace: String) -> Resolution {
        guard let name = reference?["name"]?.stringValue, !name.isEmpty else { return .failure("missing issuerRef.name") }
        let group = reference?["group"]?.stringValue ?? Self.group
        guard group == Self.group else {
            return .failure("issuer group \(group) (an external issuer) has no Keyward equivalent")
        }
        let kind = reference?["kind"]?.stringValue ?? "Issuer"
        let issuer: JSONValue?
        switch kind {
        case "Issuer": issuer = issuers[key(namespace, name)]
        case "ClusterIssuer": issuer = clusterIssuers[name]
        default: return .failure("issuerRef.kind \(kind) is neither Issuer nor ClusterIssuer")
        }
        let id = issuerID(kind: kind, namespace: namespace, name: name)
        guard let issuer else {
            return .failure("\(kind) \(kind == "Issuer" ? "\(namespace)/" : "")\(name) is not in the input, so its type is unknown")
        }
        if let problem = issuerProblem(issuer) { return .failure("\(kind) \(name): \(problem)") }
        let spec = issuer["spec"]?.objectValue ?? [:]
        if spec["selfSigned"] != nil {
            var resolved = ResolvedIssuer(issuer: ["selfSigned": .object([:])], id: id)
            resolved.crlDistributionPoints = spec["selfSigned"]?["crlDistributionPoints"]
            return .success(resolved)
        }
        guard let secret = spec["ca"]?["secretName"]?.stringValue else { return .failure("\(kind) \(name) names no ca.secretName") }
        var resolved: ResolvedIssuer
        if kind == "Issuer", let certificate = caCertificates[key(namespace, secret)] {
            resolved = ResolvedIssuer(issuer: ["ca": ["certificateRef": .string(certificate)]], id: id)
        } else {
            resolved = ResolvedIssuer(issuer: ["ca": ["secretRef": .string(secret)]], id: id)
        }
        resolved.crlDistributionPoints = spec["ca"]?["crlDistributionPoints"]
        if kind == "ClusterIssuer" {
            resolved.note = "ClusterIssuer \(name)'s CA Secret \(secret) must exist in namespace \(namespace): Keyward reads CA "
                + "Secrets from the Certificate's own namespace, not cert-manager's cluster resource namespace"
        }
        return .success(resolved)
    }

    /// Why an Issuer cannot be expressed in Keyward, or nil for selfSigned and ca.
    private func issuerProblem(_ issuer: JSONValue) -> String? {
        let spec = issuer["spec"]?.objectValue ?? [:]
        if spec["selfSigned"] != nil || spec["ca"] != nil {
            let extra = (spec["ca"]?.objectValue ?? [:]).keys.filter { !["secretName", "crlDistributionPoints"].contains($0) }
            return extra.isEmpty ? nil : "ca.\(extra.sorted().joined(separator: ", ca.")) has no Keyward equivalent (only secretName and crlDistributionPoints)"
        }
        let type = spec.keys.sorted().first ?? "(empty)"
        return "\(type) issuers have no Keyward equivalent yet (only selfSigned and ca)"
    }

    private func isCertManager(_ document: JSONValue) -> Bool {
        document["apiVersion"]?.stringValue?.hasPrefix(Self.group + "/") == true
    }

    private func namespace(of document: JSONValue) -> String { document["metadata"]?["namespace"]?.stringValue ?? "default" }

    private func key(_ namespace: String, _ name: String) -> String { namespace + "/" + name }

    private func issuerID(kind: String, namespace: String, name: String) -> String {
        kind == "ClusterIssuer" ? "ClusterIssuer/\(name)" : "Issuer/\(namespace)/\(name)"
    }

    private func describe(_ document: JSONValue) -> String {
        let kind = document["kind"]?.stringValue ?? "(no kind)"
        let name = document["metadata"]?["name"]?.stringValue ?? "(no name)"
        return kind == "ClusterIssuer" ? "\(kind) \(name)" : "\(kind) \(namespace(of: document))/\(name)"
    }

    static func format(seconds: Int64) -> String {
        seconds % 3600 == 0 ? "\(seconds / 3600)h" : seconds % 60 == 0 ? "\(seconds / 60)m" : "\(seconds)s"
    }
}
