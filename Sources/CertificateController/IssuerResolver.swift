import ACME
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KubernetesClient
import KubernetesResources
import X509

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
    /// Egress policy, solvers and shared clients for `acme` issuers.
    var acme = ACMEOptions()
    /// Where signers record their steps (ACME: order created, challenges, issued) on the Certificate.
    var events: EventRecorder?

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
        /// For `.acme`: the registered account and the Certificate it signs for, already read.
        var acme: ACMEAccountContext?
    }

    /// What an ACME signer is made from: the issuer's account (key from its Secret, URL from its status) and the
    /// Certificate's stored chain (its issuer is what the CA last signed with; its leaf is what a renewal replaces).
    struct ACMEAccountContext {
        var accountKey: ACMEAccountKey
        /// Shared across passes (directory, nonces), bound to the account URL.
        var client: ACMEClient
        var secretNamespace: String
        var certificate: KeywardAPI.Certificate
        var storedLeaf: X509.Certificate?
        var storedIssuer: X509.Certificate?
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
        case .acme(let spec):
            guard let account = context.acme else {
                return .notReady("\(context.displayName): its ACME account is not registered yet")
            }
            return .ready(ACMESigner(displayName: context.displayName, spec: spec, client: account.client, accountKey: account.accountKey,
                                     expectedIssuer: account.storedIssuer, storedLeaf: account.storedLeaf,
                                     certificate: account.certificate, secretNamespace: account.secretNamespace, store: store,
                                     events: events, options: acme))
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
                                         missing: "Issuer \(name) does not exist in namespace \(namespace ?? "default")",
                                         for: certificate)
            case .clusterIssuer(let name)?:
                return try await resolve(try await store.get(ClusterIssuerResource.self, namespace: nil, name: name),
                                         missing: "ClusterIssuer \(name) does not exist", for: certificate)
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
            // Its Ready condition may predate a change of spec.secretName: sign only with the key Keyward stored
            // for that CA, never with a Secret someone else made that it now names.
            guard CertificateSecret.isOwned(secret, by: caCertificate) else {
                return .notReady("issuer Certificate \(name): Secret \(secret.metadata.name) was not created by it")
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
    private func resolve(_ issuer: (some IssuerObject)?, missing: String,
                         for certificate: KeywardAPI.Certificate) async throws -> ResolvedIssuer {
        guard let issuer else { return .notReady(missing) }
        let display = issuer.displayName
        guard issuer.isReady else {
            let condition = issuer.status?.conditions[type: IssuerConditionType.ready]
            return .notReady("\(display) is not Ready" + (condition.map { ": \($0.reason): \($0.message)" } ?? " yet"))
        }
        guard let kind = issuer.spec.kind else { return .notReady("\(display) has an invalid spec") }
        if case .acme(let spec) = kind {
            return try await acmeSigner(issuer, spec: spec, for: certificate)
        }
        guard case .ca(let secretName) = kind else { return signer(for: kind, context: SignerContext(displayName: display)) }
        let secretNamespace = issuer.secretNamespace(clusterResourceNamespace: clusterResourceNamespace)
        guard let secret = try await store.get(Secret.self, namespace: secretNamespace, name: secretName) else {
            return .notReady("\(display): Secret \(secretNamespace)/\(secretName) does not exist")
        }
        return signer(for: kind, context: SignerContext(displayName: display, caSecret: secret, crlOwnerName: secretName,
                                                        crlNamespace: secretNamespace, requireTLSType: true))
    }
}

extension IssuerResolver {
    /// An `acme` issuer's signer: its account key (never generated here: the issuer controller does that), its account
    /// URL from status, and the Certificate's stored chain.
    private func acmeSigner(_ issuer: some IssuerObject, spec: IssuerSpec.ACME,
                            for certificate: KeywardAPI.Certificate) async throws -> ResolvedIssuer {
        let display = issuer.displayName
        let secretNamespace = issuer.secretNamespace(clusterResourceNamespace: clusterResourceNamespace)
        guard let status = issuer.status?.acme, let accountURL = URL(string: status.uri), status.server == spec.server,
              let server = URL(string: spec.server)
        else {
            return .notReady("\(display): its ACME account is not registered yet")
        }
        let key: ACMEAccountKey
        do {
            guard let loaded = try await ACMEAccountKeySecret.load(spec.privateKeySecretRef, namespace: secretNamespace,
                                                                    store: store, create: false)
            else { return .notReady("\(display): the account key Secret \(secretNamespace)/\(spec.privateKeySecretRef.name) does not exist") }
            key = loaded
        } catch let problem as ACMEAccountKeySecret.Problem {
            return .notReady("\(display): \(problem)")
        }
        if let registered = status.accountKeyThumbprint, registered != key.jwkThumbprint {
            return .notReady("\(display): the account key changed since the account was registered")
        }
        let client = await acme.clients.client(server: server, caBundle: spec.caBundle, accountKey: key, accountURL: accountURL,
                                               egress: acme.egress)
        await client.setAccountURL(accountURL)
        let stored = try await store.getOwned(Secret.self, namespace: certificate.metadata.namespace, name: certificate.spec.secretName)
        let chain = stored?.string(CertificateSecret.certificateKey).flatMap { try? PEMBundle.certificates(from: $0) } ?? []
        let leaf = stored.flatMap { CertificateSecret.isOwned($0, by: certificate) ? chain.first : nil }
        let storedIssuer = leaf.flatMap { leaf in chain.dropFirst().first { $0.subject == leaf.issuer } }
        return signer(for: .acme(spec), context: SignerContext(
            displayName: display,
            acme: ACMEAccountContext(accountKey: key, client: client, secretNamespace: secretNamespace,
                                     certificate: certificate, storedLeaf: leaf, storedIssuer: storedIssuer)))
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
