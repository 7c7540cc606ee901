import ControllerRuntime
import Foundation
import KeywardCore
import KeywardAPI
import KeywardPKI
import KubernetesClient
import KubernetesResources
import X509

/// Keeps each CA's signed CRL current: in a ConfigMap `<ca>-crl` (`ca.crl` PEM, `ca.crl.der` DER) and, for CAs
/// that are Keyward Certificates, in the CA's own Secret under `ca.crl`.
///
/// The CRL is its own source of truth: revoking reads the current list, appends, bumps the CRL number and re-signs.
/// It is re-signed well before nextUpdate so relying parties never hold a stale list.
struct CRLPublisher: Sendable {
    let store: any ResourceStore
    /// How long a CRL is valid (nextUpdate − thisUpdate): 7 days.
    var validity: TimeInterval = 7 * 86_400
    /// Re-sign when less than this is left before nextUpdate: 2 days.
    var resignBefore: TimeInterval = 2 * 86_400

    static func configMapName(forIssuer name: String) -> String { "\(name)-crl" }
    static let pemKey = "ca.crl"
    static let derKey = "ca.crl.der"

    /// The current CRL of `owner` in `namespace`, if one exists and parses.
    func current(namespace: String?, owner: String) async throws -> (configMap: ConfigMap?, crl: CertificateRevocationList?) {
        let configMap = try await store.get(ConfigMap.self, namespace: namespace, name: Self.configMapName(forIssuer: owner))
        let crl = configMap?.data?[Self.pemKey].flatMap { try? CertificateRevocationList(pemEncoded: $0) }
        return (configMap, crl)
    }

    /// Re-signs the CRL if it is missing, signed by another key, or close to nextUpdate. Returns when it next needs
    /// re-signing.
    @discardableResult
    func ensureFresh(issuer: IssuerContext, namespace: String?, now: Date) async throws -> Date? {
        guard let owner = issuer.crlOwnerName, let caCertificate = issuer.certificate else { return nil }
        let (configMap, crl) = try await current(namespace: namespace, owner: owner)
        if let crl, crl.isSigned(by: caCertificate), crl.nextUpdate.timeIntervalSince(now) > resignBefore {
            try await mirrorIntoCASecret(crl, issuer: issuer)
            return crl.nextUpdate.addingTimeInterval(-resignBefore)
        }
        let fresh = try await publish(entries: crl?.entries ?? [], previousNumber: crl?.crlNumber, configMap: configMap,
                                      issuer: issuer, namespace: namespace, owner: owner, now: now)
        return fresh?.nextUpdate.addingTimeInterval(-resignBefore)
    }

    /// Adds `certificate` to its issuer's CRL (idempotent: an already listed serial is not added twice).
    func revoke(_ certificate: X509.Certificate, reason: CRLReason, issuer: IssuerContext, namespace: String?,
                now: Date) async throws {
        guard let owner = issuer.crlOwnerName else { return }
        let (configMap, crl) = try await current(namespace: namespace, owner: owner)
        var entries = crl?.entries ?? []
        if entries.contains(where: { $0.serialNumber == certificate.serialNumber }) { return }
        entries.append(RevokedCertificate(certificate, revocationDate: now, reason: reason))
        try await publish(entries: entries, previousNumber: crl?.crlNumber, configMap: configMap, issuer: issuer,
                          namespace: namespace, owner: owner, now: now)
    }

    @discardableResult
    private func publish(entries: [RevokedCertificate], previousNumber: UInt64?, configMap: ConfigMap?,
                         issuer: IssuerContext, namespace: String?, owner: String, now: Date) async throws -> CertificateRevocationList? {
        guard let crl = try issuer.issuer.makeCRL(thisUpdate: now, nextUpdate: now.addingTimeInterval(validity),
                                                  crlNumber: (previousNumber ?? 0) + 1, entries: entries)
        else { return nil }
        if var configMap {
            configMap.data = (configMap.data ?? [:]).merging([Self.pemKey: crl.pemEncoded]) { _, new in new }
            configMap.binaryData = (configMap.binaryData ?? [:]).merging([Self.derKey: Data(crl.derEncoded)]) { _, new in new }
            _ = try await store.update(configMap)
        } else {
            var meta = ObjectMeta(name: Self.configMapName(forIssuer: owner), namespace: namespace,
                                  labels: KeywardLabels.standard)
            if let ca = issuer.caCertificate, ca.metadata.uid != nil { meta.ownerReferences = [OwnerReference(controlledBy: ca)] }
            _ = try await store.create(ConfigMap(metadata: meta, data: [Self.pemKey: crl.pemEncoded],
                                                 binaryData: [Self.derKey: Data(crl.derEncoded)]))
        }
        try await mirrorIntoCASecret(crl, issuer: issuer)
        return crl
    }

    /// Copies the CRL into the CA's Secret, only for CAs Keyward manages (a user's CA Secret is never written).
    private func mirrorIntoCASecret(_ crl: CertificateRevocationList, issuer: IssuerContext) async throws {
        guard let caCertificate = issuer.caCertificate, var secret = issuer.caSecret,
            CertificateSecret.isOwned(secret, by: caCertificate)
        else { return }
        let pem = Data(crl.pemEncoded.utf8)
        guard secret.data[CertificateSecret.crlKey] != pem else { return }
        secret.data[CertificateSecret.crlKey] = pem
        _ = try await store.update(secret)
    }
}
