import ControllerRuntime
import Foundation
import KeywardCore
import KeywardAPI
import KeywardPKI
import KubernetesClient
import KubernetesResources
import X509

/// An X.509 certificate, named apart from Keyward's `Certificate` resource for files that import both modules' names.
typealias X509Certificate = X509.Certificate

/// Keeps each CA's signed CRL current.
///
/// The truth is an operator-owned copy: the CA's own Secret under `ca.crl` for CAs that are Keyward Certificates,
/// else a Secret `<ca>-crl` Keyward creates for a `ca.secretRef` issuer. A CRL is trusted only if the CA signed it
/// (signature, issuer name and key identifier). The ConfigMap `<ca>-crl` (`ca.crl` PEM, `ca.crl.der` DER) is output
/// only: whatever it holds is overwritten with the truth and never read back, so a tenant who can write ConfigMaps
/// cannot forge entries, push the CRL number, or reset it by deleting the ConfigMap.
///
/// Revoking adds an entry to the trusted list and signs the successor CRL number; entries of certificates that
/// expired before the previous CRL are pruned, so the list stays bounded. The CRL is re-signed well before
/// nextUpdate so relying parties never hold a stale list.
struct CRLPublisher: Sendable {
    let store: any ResourceStore
    /// How long a CRL is valid (nextUpdate − thisUpdate): 7 days.
    var validity: TimeInterval = 7 * 86_400
    /// Re-sign when less than this is left before nextUpdate: 2 days.
    var resignBefore: TimeInterval = 2 * 86_400

    static func configMapName(forIssuer name: String) -> String { "\(name)-crl" }
    /// The Secret holding the CRL of a `ca.secretRef` issuer (whose own Secret is the user's and never written).
    static func stateSecretName(forIssuer name: String) -> String { "\(name)-crl" }
    static let pemKey = "ca.crl"
    static let derKey = "ca.crl.der"
    /// On a state Secret: the issuer whose CRL it holds.
    static let issuerAnnotation = "keyward.dev/crl-issuer"
    /// On the Secret holding the CRL: ``CRLExpiries`` of the listed certificates.
    static let expiryAnnotation = "keyward.dev/crl-expiry"

    /// What the operator-owned copy of a CA's CRL says, and where it lives.
    struct State {
        /// The Secret the truth is written to; nil while a state Secret still has to be created.
        var holder: Secret?
        var trust: CRLTrust
        var expiries: CRLExpiries
    }

    /// Reads the truth for `issuer`.
    func state(issuer: CASigner, owner: String, ca: X509.Certificate, namespace: String?) async throws -> State {
        var holder: Secret?
        if let caCertificate = issuer.caCertificate, let secret = issuer.caSecret,
            CertificateSecret.isOwned(secret, by: caCertificate)
        {
            holder = secret
        } else {
            let name = Self.stateSecretName(forIssuer: owner)
            if let secret = try await store.getOwned(Secret.self, namespace: namespace, name: name) {
                guard Self.isStateSecret(secret, owner: owner) else {
                    throw CRLStateError.stateSecretNotOwned(namespace: namespace, name: name, issuer: owner)
                }
                holder = secret
            }
        }
        let stored = holder?.data[CertificateSecret.crlKey]
        // Migration only: the ConfigMap is read when no operator-owned copy exists yet.
        let published = stored == nil
            ? try await store.getOwned(ConfigMap.self, namespace: namespace, name: Self.configMapName(forIssuer: owner))?
                .data?[Self.pemKey]
            : nil
        return State(holder: holder, trust: CRLTrust(stored: stored, published: published, ca: ca),
                     expiries: CRLExpiries(annotation: holder?.metadata.annotations[Self.expiryAnnotation]))
    }

    static func isStateSecret(_ secret: Secret, owner: String) -> Bool {
        secret.metadata.labels[KeywardLabels.owned] == KeywardLabels.ownedValue
            && secret.metadata.annotations[issuerAnnotation] == owner
    }

    /// Re-signs the CRL if there is no trusted one, or it is close to nextUpdate; rewrites a missing or altered
    /// ConfigMap from the truth. Returns when it next needs re-signing.
    @discardableResult
    func ensureFresh(issuer: CASigner, namespace: String?, now: Date) async throws -> Date? {
        let owner = issuer.crlOwnerName
        guard let ca = issuer.certificate else { return nil }
        let state = try await state(issuer: issuer, owner: owner, ca: ca, namespace: namespace)
        if let crl = state.trust.crl, state.trust.isStored, crl.nextUpdate.timeIntervalSince(now) > resignBefore {
            try await writeOutput(crl, issuer: issuer, namespace: namespace, owner: owner)
            return crl.nextUpdate.addingTimeInterval(-resignBefore)
        }
        let fresh = try await publish(state, adding: nil, issuer: issuer, namespace: namespace, owner: owner, now: now)
        return fresh?.nextUpdate.addingTimeInterval(-resignBefore)
    }

    /// Adds `certificate` to its issuer's CRL (idempotent: an already listed serial is not added twice, but its
    /// publication is completed if a crash interrupted it).
    func revoke(_ certificate: X509.Certificate, reason: CRLReason, issuer: CASigner, namespace: String?,
                now: Date) async throws {
        let owner = issuer.crlOwnerName
        guard let ca = issuer.certificate else { return }
        let state = try await state(issuer: issuer, owner: owner, ca: ca, namespace: namespace)
        if let crl = state.trust.crl, crl.entry(for: certificate.serialNumber) != nil {
            if state.trust.isStored {
                try await writeOutput(crl, issuer: issuer, namespace: namespace, owner: owner)
            } else {
                try await publish(state, adding: nil, issuer: issuer, namespace: namespace, owner: owner, now: now)
            }
            return
        }
        let entry = RevokedCertificate(certificate, revocationDate: now, reason: reason)
        try await publish(state, adding: (entry, certificate.notValidAfter), issuer: issuer, namespace: namespace,
                          owner: owner, now: now)
    }

    /// Signs the successor of the trusted CRL (plus `adding`), writes it to the truth first and the ConfigMap second:
    /// a crash between the two leaves the truth ahead, and the next pass rewrites the ConfigMap from it.
    @discardableResult
    private func publish(_ state: State, adding: (entry: RevokedCertificate, notAfter: Date)?, issuer: CASigner,
                         namespace: String?, owner: String, now: Date) async throws -> CertificateRevocationList? {
        let (entries, expiries) = state.trust.nextEntries(expiries: state.expiries, adding: adding)
        let number = try state.trust.nextNumber()
        // Signing with the CA key (RSA-4096 for some CAs) runs on the crypto threads, like issuance.
        let signer = issuer.issuer
        let nextUpdate = now.addingTimeInterval(validity)
        guard let crl = try await HeavyWorkPool.crypto.perform({
            try signer.makeCRL(thisUpdate: now, nextUpdate: nextUpdate, crlNumber: number, entries: entries)
        }) else { return nil }
        try await writeTruth(crl, expiries: expiries, holder: state.holder, namespace: namespace, owner: owner)
        try await writeOutput(crl, issuer: issuer, namespace: namespace, owner: owner)
        return crl
    }

    private func writeTruth(_ crl: CertificateRevocationList, expiries: CRLExpiries, holder: Secret?,
                            namespace: String?, owner: String) async throws {
        let pem = Data(crl.pemEncoded.utf8)
        guard var secret = holder else {
            var meta = ObjectMeta(name: Self.stateSecretName(forIssuer: owner), namespace: namespace,
                                  labels: KeywardLabels.standard, annotations: [Self.issuerAnnotation: owner])
            meta.annotations[Self.expiryAnnotation] = expiries.annotation
            do {
                _ = try await store.create(Secret(metadata: meta, data: [CertificateSecret.crlKey: pem]))
            } catch StoreError.alreadyExists {
                throw CRLStateError.stateSecretNotOwned(namespace: namespace, name: meta.name, issuer: owner)
            }
            return
        }
        secret.data[CertificateSecret.crlKey] = pem
        secret.metadata.annotations[Self.expiryAnnotation] = expiries.annotation
        guard secret != holder else { return }
        _ = try await store.update(secret)
    }

    /// Makes the ConfigMap show `crl`, whatever it held (or if it was deleted). A ConfigMap of that name made by
    /// someone else still gets the CRL keys (the name is the CA's published CRL location), but its owners stay as
    /// they are: made the CA's, it would be deleted with the CA, other keys and all.
    private func writeOutput(_ crl: CertificateRevocationList, issuer: CASigner, namespace: String?,
                             owner: String) async throws {
        let name = Self.configMapName(forIssuer: owner)
        let existing: ConfigMap?
        if let cached = try await store.getOwned(ConfigMap.self, namespace: namespace, name: name) {
            existing = cached
        } else {
            var meta = ObjectMeta(name: name, namespace: namespace, labels: KeywardLabels.standard,
                                  annotations: [Self.issuerAnnotation: owner])
            if let ca = issuer.caCertificate, ca.metadata.uid != nil { meta.ownerReferences = [OwnerReference(controlledBy: ca)] }
            do {
                _ = try await store.create(ConfigMap(metadata: meta, data: [Self.pemKey: crl.pemEncoded],
                                                     binaryData: [Self.derKey: Data(crl.derEncoded)]))
                return
            } catch StoreError.alreadyExists {
                // Made by someone else without Keyward's label (so not in the cache): read it to overwrite it.
                existing = try await store.get(ConfigMap.self, namespace: namespace, name: name)
            }
        }
        guard var configMap = existing else { return }  // deleted meanwhile: the next pass creates it
        let original = configMap
        configMap.data = (configMap.data ?? [:]).merging([Self.pemKey: crl.pemEncoded]) { _, new in new }
        configMap.binaryData = (configMap.binaryData ?? [:]).merging([Self.derKey: Data(crl.derEncoded)]) { _, new in new }
        for (key, value) in KeywardLabels.standard { configMap.metadata.labels[key] = value }
        // On one Keyward made: exactly the CA as owner (a controller reference someone else set would make ours
        // invalid, and another owner's deletion would take the CRL with it). Made before the annotation existed, it
        // has the CA as owner already.
        if let ca = issuer.caCertificate, let uid = ca.metadata.uid {
            let made = configMap.metadata.annotations[Self.issuerAnnotation] == owner
                || configMap.metadata.ownerReferences.contains { $0.uid == uid }
            if made {
                configMap.metadata.ownerReferences = [OwnerReference(controlledBy: ca)]
                configMap.metadata.annotations[Self.issuerAnnotation] = owner
            }
        }
        guard configMap != original else { return }
        _ = try await store.update(configMap)
    }
}
