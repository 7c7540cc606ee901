import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KubernetesClient
import KubernetesResources

/// A usable signer, or why there is none yet.
enum ResolvedIssuer: Sendable {
    case ready(any CertificateSigner)
    /// The issuer exists but cannot sign yet (missing, not Ready, not a CA): wait and retry.
    case notReady(String)
    /// The issuer is a CA Certificate that is not issued yet (not created, not Ready, no Secret yet): most likely
    /// being issued right now, so waiting is normal for a while.
    case issuing(String)
    /// The issuer reference can never work as written.
    case invalid(field: String, reason: String)
}

/// Resolves `spec.issuer` through the store into a ``CertificateSigner``.
///
/// Every form ends in an issuer kind and ``signer(for:context:)`` turns the kind into a signer: that one switch is
/// where a new issuer kind (ACME) is added, next to its folder under Signers/.
struct IssuerResolver: Sendable {
    let store: any ResourceStore
    /// Where a `ca` ClusterIssuer's Secret lives (`--cluster-resource-namespace`).
    var clusterResourceNamespace: String
    /// Tests only: a signer to use instead of the one the issuer names (a fake asynchronous signer).
    var signerOverride: (@Sendable (KeywardAPI.Certificate) -> (any CertificateSigner)?)?

    /// What a signer is made from besides its kind: the name status shows, and for a CA the Secret it was read
    /// from and where its CRL lives.
    struct SignerContext {
        var displayName: String
        /// The CA's Secret (for `.ca`), already read and checked for existence.
        var caSecret: Secret?
        var crlOwnerName: String?
        var crlNamespace: String?
        var caCertificate: KeywardAPI.Certificate?
        /// Whether the Secret must be of type kubernetes.io/tls (the inline `ca.secretRef` checks it beforehand).
        var requireTLSType = false
    }

    /// The one place an issuer kind becomes a signer.
    func signer(for kind: IssuerSpec.Kind, context: SignerContext) -> ResolvedIssuer {
        switch kind {
        case .selfSigned:
            return .ready(SelfSignedSigner(displayName: context.displayName))
        case .ca(let secretName):
            guard let secret = context.caSecret else { return .notReady("\(context.displayName): no CA Secret \(secretName)") }
            switch CAKeyPair.read(secret, display: context.secretDisplay, requireTLSType: context.requireTLSType) {
            case .success(let issuer):
                return .ready(CASigner(issuer: issuer, displayName: context.displayName,
                                       crlOwnerName: context.crlOwnerName ?? secretName, crlNamespace: context.crlNamespace,
                                       caCertificate: context.caCertificate, caSecret: secret, crls: CRLPublisher(store: store)))
            case .failure(let problem):
                return .notReady(problem.message)
            }
        case .acme:
            return .notReady("\(context.displayName): ACME signing is not available in this build yet")
        }
    }

    func resolve(_ certificate: KeywardAPI.Certificate) async throws -> ResolvedIssuer {
        if let signer = signerOverride?(certificate) { return .ready(signer) }
        let namespace = certificate.metadata.namespace
        let reference = certificate.spec.issuer
        if reference.selfSigned != nil {
            return signer(for: .selfSigned, context: SignerContext(displayName: "selfSigned"))
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
        guard let ca = reference.ca else { return .invalid(field: "spec.issuer", reason: "exactly one of selfSigned, ca or issuerRef is required") }
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
            return signer(for: .ca(secretName: secret.metadata.name), context: SignerContext(
                displayName: "Certificate/\(name)", caSecret: secret, crlOwnerName: name, crlNamespace: namespace,
                caCertificate: caCertificate))
        }
        if let name = ca.secretRef {
            guard let secret = try await store.get(Secret.self, namespace: namespace, name: name) else {
                return .notReady("issuer Secret \(name) does not exist")
            }
            guard secret.type == Secret.tlsType else {
                return .notReady("issuer Secret \(name) has type \(secret.type), expected \(Secret.tlsType)")
            }
            return signer(for: .ca(secretName: name), context: SignerContext(
                displayName: "Secret/\(name)", caSecret: secret, crlOwnerName: name, crlNamespace: namespace))
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
        guard let kind = issuer.spec.kind else { return .notReady("\(display) has an invalid spec") }
        guard case .ca(let secretName) = kind else { return signer(for: kind, context: SignerContext(displayName: display)) }
        let secretNamespace = issuer.secretNamespace(clusterResourceNamespace: clusterResourceNamespace)
        guard let secret = try await store.get(Secret.self, namespace: secretNamespace, name: secretName) else {
            return .notReady("\(display): Secret \(secretNamespace)/\(secretName) does not exist")
        }
        return signer(for: kind, context: SignerContext(displayName: display, caSecret: secret, crlOwnerName: secretName,
                                                        crlNamespace: secretNamespace, requireTLSType: true))
    }
}

extension IssuerResolver.SignerContext {
    /// How messages about the CA Secret name it.
    var secretDisplay: String {
        if displayName.hasPrefix("Issuer/") || displayName.hasPrefix("ClusterIssuer/") {
            return "\(displayName): Secret \(caSecret.map { "\($0.metadata.namespace ?? "default")/\($0.metadata.name)" } ?? "")"
        }
        return "issuer \(displayName)"
    }
}
