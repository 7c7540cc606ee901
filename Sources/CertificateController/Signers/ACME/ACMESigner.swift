import ACME
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KubernetesClient
import KubernetesResources
import X509

/// Signs through an RFC 8555 CA with the issuer's registered account: order → challenges through the solvers →
/// self-check → respond → poll (Retry-After) → finalize with a CSR (the key never leaves) → download the chain.
/// Asynchronous: every pass does what it can and answers `.pending` with every ACME URL in the state
/// (``ACMEPendingState``), so any later pass — after a restart too — continues the same order.
///
/// Revocation goes to the CA's revokeCert with the RFC 5280 reason; renewal follows the CA's ARI window
/// (``renewalAdvisor``) when its directory offers renewalInfo.
struct ACMESigner: CertificateSigner, CertificateRevoker {
    let displayName: String
    /// The issuer as ``ACMEMetrics`` labels it: an Issuer with its namespace (the Certificate's), a ClusterIssuer by name.
    var metricsLabel: String {
        let prefix = "\(IssuerResource.kind)/"
        guard displayName.hasPrefix(prefix) else { return displayName }
        return ACMEMetrics.issuerLabel(kind: IssuerResource.kind, namespace: certificate.metadata.namespace ?? "default",
                                       name: String(displayName.dropFirst(prefix.count)))
    }
    let spec: IssuerSpec.ACME
    let client: ACMEClient
    let accountKey: ACMEAccountKey
    /// The issuer of the chain stored for this Certificate (what the CA last issued with); nil before the first.
    let expectedIssuer: X509.Certificate?
    /// The stored leaf: what `replaces` names on a renewal order when the CA has ARI.
    let storedLeaf: X509.Certificate?
    /// The Certificate being signed for (Events are recorded on it).
    let certificate: KeywardAPI.Certificate
    /// Where the solvers' Secrets live (the Issuer's namespace or the cluster resource namespace).
    let secretNamespace: String
    let store: any ResourceStore
    let events: EventRecorder?
    let options: ACMEOptions

    var revoker: (any CertificateRevoker)? { self }
    var renewalAdvisor: (any RenewalAdvisor)? { ACMERenewalAdvisor(client: client, clients: options.clients, seed: certificate.metadata.uid ?? certificate.metadata.key) }

    /// The CA decides the key usages and (with newer profiles) whether a common name is included: asking again
    /// cannot change them, so they are no reason to re-issue.
    func ignoresReason(_ reason: ReissueReason) -> Bool {
        switch reason {
        case .usagesChanged, .commonNameChanged: true
        default: false
        }
    }

    func revoke(_ certificate: X509.Certificate, reason: CRLReason, now: Date) async throws {
        do {
            try await client.revokeCertificate(der: PEMBundle.derEncoded(certificate), reason: reason.rawValue)
        } catch where error.problem?.shortType == "alreadyRevoked" {
            return  // a crash after the CA revoked it: done already
        } catch {
            throw ACMESigningError.revocationFailed("\(displayName): revokeCert: \(ACMEServerText.bounded(error))")
        }
        await record(.normal, reason: ACMEEventReason.revoked,
                     message: "revoked serial \(CertificateInfoText.serial(certificate)) at the ACME CA (\(reason))")
    }

    /// An Event on the Certificate and the step's counter.
    func record(_ type: Event.EventType, reason: String, message: String) async {
        if let step = ACMEEventReason.metricStep[reason] { options.metrics?.step(step, issuer: metricsLabel) }
        await events?.record(type, reason: reason, message: message, regarding: certificate)
    }
}

/// Event reasons of the ACME steps (on the Certificate).
enum ACMEEventReason {
    static let orderCreated = "ACMEOrderCreated"
    static let challengePresented = "ACMEChallengePresented"
    static let challengeValid = "ACMEChallengeValid"
    static let challengeInvalid = "ACMEChallengeInvalid"
    static let selfCheckFailed = "ACMESelfCheckFailed"
    static let orderInvalid = "ACMEOrderInvalid"
    static let issued = "ACMECertificateIssued"
    static let revoked = "ACMERevoked"
    static let cleanupFailed = "ACMECleanupFailed"

    /// The `step` label of `keyward_acme_steps_total` for each reason.
    static let metricStep = [
        orderCreated: "order_created", challengePresented: "challenge_presented", challengeValid: "challenge_valid",
        challengeInvalid: "challenge_invalid", selfCheckFailed: "self_check_failed", orderInvalid: "order_invalid",
        issued: "issued", revoked: "revoked",
    ]
}

/// Failures a signer throws for the work queue (infrastructure) — none carry key material.
enum ACMESigningError: Error, CustomStringConvertible {
    case revocationFailed(String)

    var description: String {
        switch self {
        case .revocationFailed(let message): message
        }
    }
}

/// Serial numbers as status shows them.
enum CertificateInfoText {
    static func serial(_ certificate: X509.Certificate) -> String {
        (try? CertificateInfo(certificate))?.serialHex.uppercased() ?? "?"
    }
}
