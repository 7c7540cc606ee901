import ControllerRuntime
import Foundation
import KeywardCore
import KubernetesClient
import KeywardAPI
import KeywardPKI
import KubernetesResources
import X509

/// A usable issuer, or why there is none yet.
enum ResolvedIssuer: Sendable {
    case ready(IssuerContext)
    /// The issuer exists but cannot sign yet (missing, not Ready, not a CA): wait and retry.
    case notReady(String)
    /// The issuer is a CA Certificate that is not issued yet (not created, not Ready, no Secret yet): most likely
    /// being issued right now, so waiting is normal for a while.
    case issuing(String)
    /// The issuer reference can never work as written.
    case invalid(field: String, reason: String)
}

/// What issuance and revocation need to know about the issuer.
struct IssuerContext: Sendable {
    var issuer: Issuer
    /// Name shown in status and annotations: `selfSigned`, `Certificate/NAME` or `Secret/NAME`.
    var displayName: String
    /// The name the issuer's CRL ConfigMap is derived from; nil for self-signed.
    var crlOwnerName: String?
    /// The CA's own Certificate when the issuer is `ca.certificateRef` (its Secret is Keyward's to update).
    var caCertificate: KeywardAPI.Certificate?
    var caSecret: Secret?
    /// Where the CA's CRL state lives when that is not the Certificate's namespace: a ClusterIssuer's CA Secret is
    /// in the cluster resource namespace, and so is its one CRL.
    var crlNamespace: String?

    var certificate: X509.Certificate? { issuer.certificate }
}

/// Resolves `spec.issuer` through the store.
struct IssuerResolver: Sendable {
    let store: any ResourceStore
    /// Where a `ca` ClusterIssuer's Secret lives (`--cluster-resource-namespace`).
    var clusterResourceNamespace: String

    func resolve(_ certificate: KeywardAPI.Certificate) async throws -> ResolvedIssuer {
        let namespace = certificate.metadata.namespace
        let reference = certificate.spec.issuer
        if reference.selfSigned != nil {
            return .ready(IssuerContext(issuer: .selfSigned, displayName: "selfSigned"))
        }
        if let ref = reference.issuerRef {
            switch reference.kind {
            case .issuer(let name)?:
                return try await resolve(try await store.get(IssuerResource.self, namespace: namespace, name: name),
                                         missing: "Issuer \(name) does not exist in namespace \(namespace ?? "default")")
            case .clusterIssuer(let name)?:
                return try await resolve(try await store.get(ClusterIssuerResource.self, namespace: nil, name: name),
                                         missing: "ClusterIssuer \(name) does not exist")
            default:
                return .invalid(field: "spec.issuer.issuerRef.kind", reason: "unsupported value \"\(ref.kind)\": must be \"Issuer\" or \"ClusterIssuer\"")
            }
        }
        guard let ca = reference.ca else { return .invalid(field: "spec.issuer", reason: "exactly one of selfSigned or ca is required") }
        if let name = ca.certificateRef {
            if name == certificate.metadata.name {
                return .invalid(field: "spec.issuer.ca.certificateRef", reason: "a Certificate cannot issue itself")
            }
            guard let caCertificate = try await store.get(KeywardAPI.Certificate.self, namespace: namespace, name: name) else {
                return .issuing("issuer Certificate \(name) does not exist yet")
            }
            guard caCertificate.spec.isCA else { return .notReady("issuer Certificate \(name) is not a CA (spec.isCA is false)") }
            guard caCertificate.status?.conditions.isTrue(KeywardAPI.Certificate.ConditionType.ready) == true else {
                return .issuing("issuer Certificate \(name) is not Ready yet")
            }
            guard let secret = try await store.get(Secret.self, namespace: namespace, name: caCertificate.spec.secretName) else {
                return .issuing("issuer Certificate \(name) has no Secret \(caCertificate.spec.secretName) yet")
            }
            return context(secret: secret, display: "Certificate/\(name)", crlOwner: name, caCertificate: caCertificate)
        }
        if let name = ca.secretRef {
            guard let secret = try await store.get(Secret.self, namespace: namespace, name: name) else {
                return .notReady("issuer Secret \(name) does not exist")
            }
            guard secret.type == Secret.tlsType else {
                return .notReady("issuer Secret \(name) has type \(secret.type), expected \(Secret.tlsType)")
            }
            return context(secret: secret, display: "Secret/\(name)", crlOwner: name, caCertificate: nil)
        }
        return .invalid(field: "spec.issuer.ca", reason: "exactly one of certificateRef or secretRef is required")
    }

    /// An Issuer or ClusterIssuer: usable once its controller says Ready, read afresh (the CA Secret may have
    /// changed since).
    private func resolve(_ issuer: (some IssuerObject)?, missing: String) async throws -> ResolvedIssuer {
        guard let issuer else { return .notReady(missing) }
        let display = issuer.displayName
        guard issuer.isReady else {
            let condition = issuer.status?.conditions[type: IssuerConditionType.ready]
            return .notReady("\(display) is not Ready" + (condition.map { ": \($0.reason): \($0.message)" } ?? " yet"))
        }
        switch issuer.spec.kind {
        case .selfSigned?:
            return .ready(IssuerContext(issuer: .selfSigned, displayName: display))
        case .ca(let secretName)?:
            let secretNamespace = issuer.secretNamespace(clusterResourceNamespace: clusterResourceNamespace)
            guard let secret = try await store.get(Secret.self, namespace: secretNamespace, name: secretName) else {
                return .notReady("\(display): Secret \(secretNamespace)/\(secretName) does not exist")
            }
            switch CAKeyPair.read(secret, display: "\(display): Secret \(secretNamespace)/\(secretName)") {
            case .success(let signer):
                return .ready(IssuerContext(issuer: signer, displayName: display, crlOwnerName: secretName,
                                            caCertificate: nil, caSecret: secret, crlNamespace: secretNamespace))
            case .failure(let problem):
                return .notReady(problem.message)
            }
        case nil:
            return .notReady("\(display) has an invalid spec")
        }
    }

    private func context(secret: Secret, display: String, crlOwner: String, caCertificate: KeywardAPI.Certificate?) -> ResolvedIssuer {
        switch CAKeyPair.read(secret, display: "issuer \(display)", requireTLSType: false) {
        case .success(let issuer):
            return .ready(IssuerContext(issuer: issuer, displayName: display, crlOwnerName: crlOwner,
                                        caCertificate: caCertificate, caSecret: secret))
        case .failure(let problem):
            return .notReady(problem.message)
        }
    }
}
