import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KubernetesClient
import KubernetesResources
import X509

/// Sets an `Issuer`'s or `ClusterIssuer`'s `Ready` condition: a self-signed issuer is always ready; a `ca` issuer is
/// ready while its Secret holds a CA certificate and matching key that can sign now. Records the CA's fingerprint,
/// whose change brings the issuer's Certificates back to re-issue (the wiring watches for it).
///
/// A transition of Ready (or of its reason) is an Event: Normal when ready, Warning naming what is wrong.
public struct IssuerReconciler<Resource: IssuerObject>: Reconciler {
    public struct Options: Sendable {
        /// Where a `ca` ClusterIssuer's Secret lives (`--cluster-resource-namespace`).
        public var clusterResourceNamespace: String
        /// How often a ready CA issuer's Secret is read again: a user's Secret carries no Keyward label, so no
        /// watch brings its changes (a CA Certificate's Secret does, at once).
        public var recheckInterval: TimeInterval = 300
        /// How soon an issuer that is not ready is looked at again.
        public var notReadyRetry: TimeInterval = 30
        /// How often a ready ACME issuer's account is looked up again (onlyReturnExisting).
        public var acmeRecheckInterval: TimeInterval = 3600
        /// Egress policy and clients for `acme` issuers' servers.
        public var acme = ACMEOptions()

        public init(clusterResourceNamespace: String = IssuerOptions.defaultClusterResourceNamespace) {
            self.clusterResourceNamespace = clusterResourceNamespace
        }
    }

    let store: any ResourceStore
    let events: EventRecorder
    let clock: any WallClock
    let options: Options

    public init(store: any ResourceStore, events: EventRecorder, clock: any WallClock = SystemClock(),
                options: Options = Options()) {
        self.store = store
        self.events = events
        self.clock = clock
        self.options = options
    }

    /// What the issuer's Ready condition should say.
    struct Verdict {
        var ready: Bool
        var reason: String
        var message: String
        var ca: X509.Certificate?
        /// An `acme` issuer's account (`status.acme`), when known.
        var acme: IssuerStatus.ACME?
        var requeueAfter: TimeInterval?
    }

    public func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        guard let issuer = try await store.get(Resource.self, namespace: key.namespace, name: key.name),
            !issuer.metadata.isBeingDeleted
        else {
            // Gone: its ACME step counters go too (tenants churning Issuers must not grow /metrics for ever).
            options.acme.metrics?.removeIssuer(ACMEMetrics.issuerLabel(
                kind: Resource.kind, namespace: Resource.isNamespaced ? key.namespace : nil, name: key.name))
            return .done
        }
        let now = clock.now
        let verdict = try await assess(issuer, now: now)
        try await write(issuer, verdict, now: now)
        return ReconcileResult(requeueAfter: verdict.requeueAfter)
    }

    func assess(_ issuer: Resource, now: Date) async throws -> Verdict {
        if let violation = issuer.validate().first {
            return Verdict(ready: false, reason: IssuerReason.invalidSpec, message: violation.description)
        }
        switch issuer.spec.kind {
        case .selfSigned?, nil:
            return Verdict(ready: true, reason: IssuerReason.selfSigned,
                           message: "Certificates referencing \(issuer.displayName) sign themselves")
        case .acme(let spec)?:
            let outcome = try await ACMEAccountRegistration(store: store, options: options.acme).assess(
                spec, previous: issuer.status?.acme,
                secretNamespace: issuer.secretNamespace(clusterResourceNamespace: options.clusterResourceNamespace))
            return Verdict(ready: outcome.ready, reason: outcome.reason, message: outcome.message, acme: outcome.account,
                           requeueAfter: outcome.ready ? options.acmeRecheckInterval : options.notReadyRetry)
        case .ca(let secretName)?:
            let namespace = issuer.secretNamespace(clusterResourceNamespace: options.clusterResourceNamespace)
            let display = "Secret \(namespace)/\(secretName)"
            let secret: Secret?
            do {
                secret = try await store.get(Secret.self, namespace: namespace, name: secretName)
            } catch StoreError.invalid(_, _, let reason) {
                return Verdict(ready: false, reason: IssuerReason.invalidKeyPair, message: "\(display): \(reason)",
                               requeueAfter: options.notReadyRetry)
            }
            guard let secret else {
                return Verdict(ready: false, reason: IssuerReason.secretNotFound, message: "\(display) does not exist",
                               requeueAfter: options.notReadyRetry)
            }
            let signer: KeywardPKI.Issuer
            switch CAKeyPair.read(secret, display: display) {
            case .success(let value): signer = value
            case .failure(let problem):
                return Verdict(ready: false, reason: problem.reason, message: problem.message, requeueAfter: options.notReadyRetry)
            }
            guard let ca = signer.certificate else {
                return Verdict(ready: false, reason: IssuerReason.invalidKeyPair, message: "\(display) holds no CA certificate",
                               requeueAfter: options.notReadyRetry)
            }
            if let problem = CAKeyPair.validityProblem(ca, display: display, now: now) {
                return Verdict(ready: false, reason: problem.reason, message: problem.message, ca: ca,
                               requeueAfter: options.notReadyRetry)
            }
            // Come back at expiry at the latest, to turn not Ready then.
            let untilExpiry = max(1, ca.notValidAfter.timeIntervalSince(now))
            return Verdict(ready: true, reason: IssuerReason.keyPairVerified,
                           message: "CA \"\(ca.subject)\" from \(display), valid until \(KubeTime.format(ca.notValidAfter))",
                           ca: ca, requeueAfter: min(options.recheckInterval, untilExpiry))
        }
    }

    private func write(_ issuer: Resource, _ verdict: Verdict, now: Date) async throws {
        let previous = issuer.status?.conditions[type: IssuerConditionType.ready]
        var status = issuer.status ?? IssuerStatus()
        status.conditions.set(Condition(type: IssuerConditionType.ready, status: verdict.ready ? .true : .false,
                                        reason: verdict.reason, message: verdict.message,
                                        observedGeneration: issuer.metadata.generation, lastTransitionTime: seconds(now)))
        status.observedGeneration = issuer.metadata.generation
        if let ca = verdict.ca {
            status.caFingerprintSHA256 = CertificateInfo.sha256Fingerprint(ca)
            status.caNotAfter = seconds(ca.notValidAfter)
        } else if verdict.reason != IssuerReason.invalidKeyPair {
            // No CA to describe (self-signed, Secret gone): the fingerprint goes too, so a returning CA is a change.
            status.caFingerprintSHA256 = nil
            status.caNotAfter = nil
        }
        if let acme = verdict.acme { status.acme = acme }
        if issuer.spec.acme == nil { status.acme = nil }
        var updated = issuer
        updated.status = status
        updated = SecretScrubber.scrubStatus(updated)
        guard updated.status != issuer.status else { return }
        _ = try await store.updateStatus(updated)
        let changed = previous?.status != (verdict.ready ? .true : .false) || previous?.reason != verdict.reason
        if changed {
            await events.record(verdict.ready ? .normal : .warning, reason: verdict.reason, message: verdict.message,
                                regarding: issuer)
        }
    }
}
