import AtomicDirectory
import ControllerRuntime
import Foundation
import KeywardAPI
import KeywardCore
import KeywardPKI
import KubernetesClient
import KubernetesResources
import Logging

/// Converges one `Certificate`: a valid certificate from the right issuer, matching the spec, renewed on time, in
/// its Secret (and optionally in files), with status that says so.
///
/// Level-triggered and idempotent: every call re-reads everything, and a call with nothing to do writes nothing.
/// Anything unreadable is treated as needing issuance (fail-safe), never trusted. The Secret is written before
/// status, and the Secret's revision annotation is the truth, so a crash between the two converges on the next call.
public struct CertificateReconciler: Reconciler {
    public struct Options: Sendable {
        /// Root of the shared volume for Certificates with a `files` section (`--volume-root`); nil disables files.
        public var volumeRoot: String?
        public var backoff = IssuanceBackoff()
        /// How long to wait before re-checking an issuer that is not ready.
        public var issuerRetry: TimeInterval = 30
        /// How long waiting for a CA Certificate that is being issued is normal; past it the wait is a Warning.
        public var issuerWaitWarning: TimeInterval = 300
        /// Re-check interval for a Secret held by someone else (no watch covers unlabelled Secrets).
        public var foreignSecretRetry: TimeInterval = 300
        /// Where below `volumeRoot` each Certificate's folder is: per namespace (controller) or as in standalone mode.
        public var filesLayout: CertificateFilesLayout
        /// How the files are made durable: fsync each (controller) or a group commit shared with the state
        /// (`keyward run`).
        public var filesDurability: Durability = .eachFile
        /// Where a `ca` ClusterIssuer's Secret (and its CRL) lives (`--cluster-resource-namespace`).
        public var clusterResourceNamespace = IssuerOptions.defaultClusterResourceNamespace
        /// Egress policy, challenge solvers and shared clients for `acme` issuers.
        public var acme = ACMEOptions()
        /// When a renewal not yet done is a warning (`--renewal-sla-warning`); see ``RenewalSLA``.
        public var renewalSLA = RenewalSLA()
        public init(volumeRoot: String? = nil, filesLayout: CertificateFilesLayout = .perNamespace) {
            self.volumeRoot = volumeRoot
            self.filesLayout = filesLayout
        }
    }

    let store: any ResourceStore
    let events: EventRecorder
    let clock: any WallClock
    let options: Options
    let limiter: IssuanceRateLimiter?
    let observer: (any CertificateObserver)?
    let logger: Logger
    /// Internal so tests can put a fake signer in front of every issuer (``IssuerResolver/signerOverride``).
    var issuers: IssuerResolver

    public init(store: any ResourceStore, events: EventRecorder, clock: any WallClock = SystemClock(),
                options: Options = Options(), limiter: IssuanceRateLimiter? = nil,
                observer: (any CertificateObserver)? = nil, logger: Logger = Logger(label: "keyward.certificate")) {
        self.store = store
        self.events = events
        self.clock = clock
        self.options = options
        self.limiter = limiter
        self.observer = observer
        self.logger = logger
        self.issuers = IssuerResolver(store: store, clusterResourceNamespace: options.clusterResourceNamespace,
                                      acme: options.acme, events: events)
    }

    public func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        guard var certificate = try await store.get(Certificate.self, namespace: key.namespace, name: key.name) else {
            await observer?.removed(namespace: key.namespace, name: key.name)
            return .done
        }
        if certificate.metadata.isBeingDeleted { return try await finalize(certificate) }

        // revokeOnDelete is implemented with a finalizer, added or removed as the spec says.
        let finalizer = KeywardFinalizers.revokeOnDelete
        if certificate.spec.revokeOnDelete != certificate.metadata.finalizers.contains(finalizer) {
            if certificate.spec.revokeOnDelete { certificate.metadata.finalizers.append(finalizer) } else {
                certificate.metadata.finalizers.removeAll { $0 == finalizer }
            }
            certificate = try await store.update(certificate)
        }

        let now = clock.now
        if let violation = certificate.spec.validate().first {
            return try await invalidSpec(certificate, field: violation.field, reason: violation.reason)
        }
        let template: CertificateTemplate
        let algorithm: KeyAlgorithm
        do {
            template = try CertificateTemplate(spec: certificate.spec)
            algorithm = try KeyAlgorithm(spec: certificate.spec.privateKey)
            try template.validate(for: algorithm)
        } catch {
            if case .invalidField(let field, let reason) = error { return try await invalidSpec(certificate, field: field, reason: reason) }
            return try await invalidSpec(certificate, field: "spec", reason: "\(error)")
        }

        let issuer: any CertificateSigner
        switch try await issuers.resolve(certificate) {
        case .ready(let signer): issuer = signer
        case .invalid(let field, let reason): return try await invalidSpec(certificate, field: field, reason: reason)
        case .notReady(let message): return try await waitForIssuer(certificate, message: message, beingIssued: false, now: now)
        case .issuing(let message): return try await waitForIssuer(certificate, message: message, beingIssued: true, now: now)
        }

        // Keyward's own Secrets are all in the label-selected cache, so the first issuance needs no GET; a foreign
        // Secret of that name surfaces when the create says it exists (see `issue`). Adoption reads it directly.
        let secretName = certificate.spec.secretName
        let secret: Secret?
        do {
            secret = certificate.spec.adoptExistingSecret
                ? try await store.get(Secret.self, namespace: certificate.metadata.namespace, name: secretName)
                : try await store.getOwned(Secret.self, namespace: certificate.metadata.namespace, name: secretName)
        } catch StoreError.invalid(_, _, let reason) {
            // Too large to read (someone inflated it): never written over, reported until it shrinks or goes.
            return try await invalidSpec(certificate, field: "spec.secretName", reason: reason)
        }
        if let secret, !CertificateSecret.isOwned(secret, by: certificate) {
            return try await foreignSecret(certificate, secret, now: now)
        }

        // Triggers: manual renew (annotation value not yet handled) and revoke.
        let renewRequest = certificate.metadata.annotations[KeywardAnnotations.renew]
        let manualRenew = renewRequest != nil && renewRequest != certificate.status?.lastRenewRequest
        // Revoke: recorded as handled only once the replacement is stored (RevokeProgress).
        let storedLeaf = Self.storedLeaf(secret)
        var forceNewKey = false
        var revokeToFinish = false
        switch RevokeProgress.step(certificate, storedSerial: storedLeaf?.serial) {
        case .none: break
        case .revoke:
            if let storedLeaf {
                certificate = try await revokeCurrent(certificate, stored: storedLeaf, issuer: issuer, now: now)
            }
            forceNewKey = true
            revokeToFinish = true
        case .replace:
            forceNewKey = true
            revokeToFinish = true
        case .finish where storedLeaf == nil:
            certificate = try await finishRevoke(certificate)  // nothing stored, nothing revoked: issue afresh
        case .finish:
            revokeToFinish = true
        }

        var reasons = ReissuePolicy.reasons(
            current: CertificateSecret.stored(in: secret), desired: template, keyAlgorithm: algorithm,
            expectedIssuer: issuer.expectedIssuer, now: now, renewBefore: renewBefore(certificate),
            jitterSeed: certificate.metadata.uid ?? certificate.metadata.key)
        reasons.removeAll(where: issuer.ignoresReason)
        // The CA's suggested renewal moment (ACME ARI) wins when it is earlier than renewBefore's.
        var advice: RenewalAdvice?
        if reasons.isEmpty, let storedLeaf, let advisor = issuer.renewalAdvisor {
            advice = await advisor.advice(for: storedLeaf.leaf, now: now)
            if let advice, now >= advice.renewalTime { reasons.append(.renewalDue(renewalTime: advice.renewalTime)) }
        }
        if reasons.isEmpty, !manualRenew, !forceNewKey, let secret {
            let result = try await upToDate(certificate, secret: secret, issuer: issuer, advice: advice, now: now)
            if revokeToFinish { try await finishRevokeIfReplaced(certificate) }
            return result
        }
        if forceNewKey { reasons.append(.unreadablePrivateKey(reason: "revoked")) }

        // After failures, wait out the backoff (or, with failurePolicy hold, a manual renew) unless asked directly.
        let status = certificate.status ?? Certificate.Status()
        if !manualRenew && !forceNewKey, let failures = status.failedIssuanceAttempts, failures > 0 {
            if certificate.spec.failurePolicy == .hold {
                let message = "issuance failed \(failures) time(s); failurePolicy hold waits for `keyward renew`"
                try await writeStatus(certificate, event: nil) { s in
                    s.conditions.set(condition(Certificate.ConditionType.issuing, .false, Certificate.Reason.held, message, certificate, now))
                }
                return .done
            }
            if let next = status.nextRetryTime, next > now { return ReconcileResult(requeueAfter: next.timeIntervalSince(now)) }
        }
        let result = try await issue(certificate, secret: secret, issuer: issuer, template: template, algorithm: algorithm,
                                     reasons: reasons, manualRenew: manualRenew ? renewRequest : nil, forceNewKey: forceNewKey,
                                     now: now)
        if revokeToFinish { try await finishRevokeIfReplaced(certificate) }
        return result
    }

    // MARK: Issuance

    private func issue(_ certificate: Certificate, secret: Secret?, issuer: any CertificateSigner, template: CertificateTemplate,
                       algorithm: KeyAlgorithm, reasons: [ReissueReason], manualRenew: String?, forceNewKey: Bool,
                       now: Date) async throws -> ReconcileResult {
        try await limiter?.acquire()
        let stored = CertificateSecret.stored(in: secret)
        let existingKey = stored.privateKeyPEM.flatMap { try? PrivateKey(pemEncoded: $0) }
        let reuseKey = certificate.spec.privateKey.rotationPolicy == .never && !forceNewKey
            && existingKey?.algorithm == algorithm
        // The Secret's annotation is editable by whoever may write the Secret: saturate, never trap.
        let current = max(CertificateSecret.revision(of: secret), certificate.status?.revision ?? 0)
        let revision = current == .max ? current : current + 1
        let written: Secret
        let issued: IssuedCertificate
        let key: PrivateKey
        // A request the signer accepted earlier resumes with its key and state, unless the spec or issuer changed.
        var certificate = certificate
        var resumed: (key: PrivateKey, request: Certificate.PendingRequest)?
        if let pending = certificate.status?.pendingRequest {
            let keySecret = try await store.getOwned(Secret.self, namespace: certificate.metadata.namespace, name: pending.keySecretName)
            if pending.generation == certificate.metadata.generation, pending.issuer == issuer.displayName,
               let key = PendingKeySecret.key(in: keySecret, for: certificate), key.algorithm == algorithm {
                resumed = (key, pending)
            } else {
                certificate = try await abandonPending(certificate, because: "the spec or the issuer changed", signer: issuer, now: now)
            }
        }
        do {
            // Key generation (RSA-4096 takes seconds) runs on the crypto threads, never the cooperative pool.
            let reused = resumed?.key ?? (reuseKey ? existingKey : nil)
            key = try await HeavyWorkPool.crypto.perform { try reused ?? PrivateKey.generate(algorithm) }
        } catch {
            return try await issuanceFailed(certificate, message: "\(error)", now: now)
        }
        let request = SigningRequest(
            template: template, subjectKey: key,
            requester: .init(namespace: certificate.metadata.namespace, name: certificate.metadata.name, uid: certificate.metadata.uid),
            pendingState: resumed?.request.state, now: now)
        switch try await issuer.sign(request) {
        case .issued(let value): issued = value
        case .failed(let failure):
            if resumed != nil { certificate = try await abandonPending(certificate, because: failure.message, now: now) }
            return try await issuanceFailed(certificate, message: failure.message, now: now)
        case .pending(let pending):
            return try await signingPending(certificate, pending, key: key, resumed: resumed?.request, issuer: issuer, now: now)
        }
        do {
            let updated = try CertificateSecret.build(existing: secret, certificate: certificate, issued: issued, key: key,
                                                      revision: revision, issuerName: issuer.displayName)
            written = secret == nil ? try await store.create(updated) : try await store.update(updated)
        } catch let error as StoreError {
            if case .invalid(_, _, let reason) = error { return try await issuanceFailed(certificate, message: reason, now: now) }
            if case .alreadyExists = error, secret == nil,
               let existing = try await store.get(Secret.self, namespace: certificate.metadata.namespace,
                                                  name: certificate.spec.secretName),
               !CertificateSecret.isOwned(existing, by: certificate) {
                return try await foreignSecret(certificate, existing, now: now)
            }
            throw error  // conflicts and races: the queue retries with fresh reads
        } catch let error as KubernetesError {
            throw error
        } catch {
            return try await issuanceFailed(certificate, message: "\(error)", now: now)
        }

        // The key is in the certificate's Secret now: its waiting copy goes (status forgets the request below).
        if let resumed {
            try await deletePendingKey(certificate, name: resumed.request.keySecretName)
        }
        let renewal = secret?.data[CertificateSecret.certificateKey] != nil
        let keyRotated = renewal && !reuseKey
        let info = try CertificateInfo(issued.certificate)
        if let pem = written.string(CertificateSecret.certificateKey) {
            ParsedLeaf.remember(pem, certificate: issued.certificate, info: info)
        }
        let reasonText = reasons.map(\.description).joined(separator: "; ")
        let eventReason = renewal ? (keyRotated ? Certificate.Reason.keyRotated : Certificate.Reason.renewing) : Certificate.Reason.issued
        // Plain words: a first issuance is not "no certificate stored; no private key stored".
        let why = renewal ? "renewed because \(reasonText)" : "first issuance"
        let message = "issued serial \(info.serialHex.uppercased()), valid until \(KubeTime.format(info.notAfter)), \(why) (revision \(revision))"
        let filesProblem = try await writeFiles(certificate, secret: written)
        var renewalTime = try await writeIssuedStatus(certificate, info: info, issuer: issuer, revision: revision,
                                                      renewRequest: manualRenew, now: now,
                                                      event: (.normal, eventReason, message), filesProblem: filesProblem)
        if filesProblem != nil { renewalTime = min(renewalTime, now.addingTimeInterval(options.foreignSecretRetry)) }
        // A CA publishes its CRL in the pass that issued it (signed by its new key), not only on a later pass.
        if certificate.spec.isCA, let own = ownCASigner(certificate, secret: written),
            let resign = try await own.ensureCRLFresh(now: now)
        {
            renewalTime = min(renewalTime, resign)
        }
        await observer?.issued(certificate, renewal: renewal)
        logger.info("certificate issued", metadata: ["object": "\(certificate.metadata.key)", "serial": "\(info.serialHex)",
                                                      "revision": "\(revision)"])
        return ReconcileResult(requeueAfter: max(1, renewalTime.timeIntervalSince(now)))
    }

    /// No usable issuer yet. A CA Certificate being issued right now is a Normal `WaitingForIssuer` until
    /// `options.issuerWaitWarning` has passed, then a Warning `IssuerNotReady`; a missing or broken CA Secret, or a
    /// Certificate that is no CA, warns at once. The message is fixed per state, so a steady wait writes nothing.
    private func waitForIssuer(_ certificate: Certificate, message: String, beingIssued: Bool, now: Date) async throws -> ReconcileResult {
        let issuing = certificate.status?.conditions.first { $0.type == Certificate.ConditionType.issuing }
        let waitingReasons = [Certificate.Reason.waitingForIssuer, Certificate.Reason.issuerNotReady]
        let since = issuing.flatMap { $0.status == .true && waitingReasons.contains($0.reason) ? $0.lastTransitionTime : nil } ?? now
        let overdue = now.timeIntervalSince(since) >= options.issuerWaitWarning
        let warn = !beingIssued || overdue
        let reason = warn ? Certificate.Reason.issuerNotReady : Certificate.Reason.waitingForIssuer
        let text = beingIssued && overdue
            ? "\(message) after waiting more than \(Int(options.issuerWaitWarning)) s"
            : beingIssued ? "waiting for the issuer: \(message)" : message
        try await writeStatus(certificate, event: (warn ? .warning : .normal, reason, text)) { status in
            status.conditions.set(condition(Certificate.ConditionType.issuing, .true, reason, text, certificate, now))
            if status.notAfter.map({ $0 <= now }) ?? true {
                status.conditions.set(condition(Certificate.ConditionType.ready, .false, reason, text, certificate, now))
                status.state = status.notAfter == nil ? .pending : .failed
            }
        }
        // Past the threshold soon: come back then to say so, if nothing brings the Certificate back earlier.
        let untilWarning = options.issuerWaitWarning - now.timeIntervalSince(since)
        return ReconcileResult(requeueAfter: warn ? options.issuerRetry : max(1, min(options.issuerRetry, untilWarning)))
    }

    /// The Secret exists and is someone else's: never touched, Ready=False until it goes or adoption is allowed.
    private func foreignSecret(_ certificate: Certificate, _ secret: Secret, now: Date) async throws -> ReconcileResult {
        let message = CertificateSecret.notOwnedMessage(secret, certificate: certificate)
        try await writeStatus(certificate, event: (.warning, Certificate.Reason.secretNotOwned, message)) { status in
            status.conditions.set(condition(Certificate.ConditionType.ready, .false, Certificate.Reason.secretNotOwned, message, certificate, now))
            status.state = .failed
        }
        return ReconcileResult(requeueAfter: options.foreignSecretRetry)
    }

    private func issuanceFailed(_ certificate: Certificate, message: String, now: Date) async throws -> ReconcileResult {
        let failures = min(certificate.status?.failedIssuanceAttempts ?? 0, Int(Int32.max) - 1) + 1
        let delay = options.backoff.delay(afterFailures: failures)
        let next = seconds(now.addingTimeInterval(delay))
        try await writeStatus(certificate, event: (.warning, Certificate.Reason.issuanceFailed, message)) { status in
            status.failedIssuanceAttempts = failures
            status.lastFailureTime = seconds(now)
            status.nextRetryTime = next
            status.lastError = message
            status.conditions.set(condition(Certificate.ConditionType.issuing, .true, Certificate.Reason.issuanceFailed, message, certificate, now))
            let stillValid = status.notAfter.map { $0 > now } ?? false
            // strict: Ready=False at the first failure; standard/hold: Ready stays while the old cert is valid.
            if certificate.spec.failurePolicy == .strict || !stillValid {
                status.conditions.set(condition(Certificate.ConditionType.ready, .false, Certificate.Reason.issuanceFailed, message, certificate, now))
                status.state = .failed
            }
        }
        await observer?.failed(certificate, reason: Certificate.Reason.issuanceFailed)
        return ReconcileResult(requeueAfter: delay)
    }

    /// The signer accepted the request but has not finished (an ACME order being validated). The key is kept in
    /// the Certificate's `<secretName>-next-key` Secret first, then status records the request (Issuing=True,
    /// reason Pending, the signer's message, ``Certificate/PendingRequest``); a crash between the two leaves a key
    /// Secret that the next request overwrites. Back when the signer asks.
    private func signingPending(_ certificate: Certificate, _ pending: SigningOutcome.Pending, key: PrivateKey,
                                resumed: Certificate.PendingRequest?, issuer: any CertificateSigner,
                                now: Date) async throws -> ReconcileResult {
        let keySecretName = PendingKeySecret.name(for: certificate)
        if resumed == nil {
            let fresh = PendingKeySecret.build(key, for: certificate)
            if var existing = try await store.getOwned(Secret.self, namespace: certificate.metadata.namespace, name: keySecretName) {
                guard PendingKeySecret.isOwned(existing, by: certificate) else {
                    return try await issuanceFailed(certificate, message: "Secret \(keySecretName) exists and is not this Certificate's pending key",
                                                    now: now)
                }
                existing.data = fresh.data
                _ = try await store.update(existing)
            } else {
                do {
                    _ = try await store.create(fresh)
                } catch StoreError.alreadyExists {
                    return try await issuanceFailed(certificate, message: "Secret \(keySecretName) exists and is not this Certificate's pending key",
                                                    now: now)
                }
            }
        }
        let request = Certificate.PendingRequest(
            issuer: issuer.displayName, generation: certificate.metadata.generation, since: resumed?.since ?? seconds(now),
            message: pending.message, keySecretName: keySecretName, state: pending.state)
        let event: PendingEvent? = resumed == nil ? (.normal, Certificate.Reason.pending, "requested from \(issuer.displayName): \(pending.message)") : nil
        try await writeStatus(certificate, event: event) { status in
            status.pendingRequest = request
            status.conditions.set(condition(Certificate.ConditionType.issuing, .true, Certificate.Reason.pending, pending.message,
                                            certificate, now))
        }
        return ReconcileResult(requeueAfter: max(1, pending.requeueAfter))
    }

    /// Deletes a pending request's key Secret; already gone is fine (a crash after the delete).
    private func deletePendingKey(_ certificate: Certificate, name: String) async throws {
        do {
            try await store.delete(Secret.self, namespace: certificate.metadata.namespace, name: name)
        } catch StoreError.notFound {
            return
        }
    }

    /// Drops a pending request: its key Secret goes, status forgets it, an Event says why. A new request follows.
    private func abandonPending(_ certificate: Certificate, because reason: String, signer: (any CertificateSigner)? = nil,
                                now: Date) async throws -> Certificate {
        guard let pending = certificate.status?.pendingRequest else { return certificate }
        // The signer that made the request releases what it holds elsewhere (an ACME order's challenge routes).
        if let signer, signer.displayName == pending.issuer {
            await signer.abandon(state: pending.state, requester: .init(namespace: certificate.metadata.namespace,
                                                                        name: certificate.metadata.name, uid: certificate.metadata.uid),
                                 now: now)
        }
        try await deletePendingKey(certificate, name: pending.keySecretName)
        var updated = certificate
        updated.status?.pendingRequest = nil
        updated = try await store.updateStatus(updated)
        await events.record(.normal, reason: Certificate.Reason.pending,
                            message: "abandoned the request to \(pending.issuer) made \(KubeTime.format(pending.since)): \(reason)",
                            regarding: certificate)
        return updated
    }

    // MARK: Steady state

    private func upToDate(_ certificate: Certificate, secret: Secret, issuer: any CertificateSigner, advice: RenewalAdvice?,
                          now: Date) async throws -> ReconcileResult {
        // Nothing to issue any more (the spec went back to what is stored): a pending request is dropped.
        var certificate = certificate
        if certificate.status?.pendingRequest != nil {
            certificate = try await abandonPending(certificate, because: "the stored certificate matches the spec again",
                                                   signer: issuer, now: now)
        }
        guard let pem = secret.string(CertificateSecret.certificateKey), let info = try? ParsedLeaf.read(pem).info
        else { return ReconcileResult(requeueAfter: 1) }
        let revision = CertificateSecret.revision(of: secret)
        let filesProblem = try await writeFiles(certificate, secret: secret)
        var next = try await writeIssuedStatus(certificate, info: info, issuer: issuer, revision: max(revision, certificate.status?.revision ?? 0),
                                               renewRequest: nil, now: now, event: nil, filesProblem: filesProblem, advice: advice)
        // The CA's window may move (its Retry-After says when to ask again).
        if let advice { next = min(next, advice.recheckAfter) }
        // A refused files folder is not watched: look again later in case the symlink or the other claim went.
        if filesProblem != nil { next = min(next, now.addingTimeInterval(options.foreignSecretRetry)) }
        if certificate.spec.isCA, let own = ownCASigner(certificate, secret: secret) {
            if let resign = try await own.ensureCRLFresh(now: now) {
                next = min(next, resign)
            }
        }
        await observer?.observe(certificate)
        return ReconcileResult(requeueAfter: max(1, next.timeIntervalSince(now)))
    }

    /// A CA Certificate acting as the issuer of its own CRL.
    private func ownCASigner(_ certificate: Certificate, secret: Secret) -> CASigner? {
        guard case .ready(let signer) = issuers.signer(
            for: .ca(secretName: secret.metadata.name),
            context: IssuerResolver.SignerContext(displayName: "Certificate/\(certificate.metadata.name)", caSecret: secret,
                                                  crlOwnerName: certificate.metadata.name,
                                                  crlNamespace: certificate.metadata.namespace, caCertificate: certificate))
        else { return nil }
        return signer as? CASigner
    }

    /// An explicit `spec.renewBefore`, else nil so the schedule takes a third of the certificate's *actual* lifetime
    /// (as cert-manager does). A CA that expires before `duration` is up clips the lifetime; a third of `duration`
    /// would then leave the certificate due for renewal the moment it is issued, and reissued on every pass.
    private func renewBefore(_ certificate: Certificate) -> TimeInterval? {
        certificate.spec.renewBefore == nil ? nil : certificate.spec.effectiveRenewBefore.seconds
    }

    /// Writes the status of a valid, current certificate; returns its renewal time. A refused files folder makes
    /// Ready=False with its reason (and a Warning Event when that is new); the Secret stays current regardless.
    private func writeIssuedStatus(_ certificate: Certificate, info: CertificateInfo, issuer: any CertificateSigner, revision: Int,
                                   renewRequest: String?, now: Date, event: PendingEvent?,
                                   filesProblem: CertificateFileOutput.Problem? = nil, advice: RenewalAdvice? = nil) async throws -> Date {
        let scheduled = RenewalSchedule.renewalTime(
            notBefore: info.notBefore, notAfter: info.notAfter, renewBefore: renewBefore(certificate),
            jitterSeed: certificate.metadata.uid ?? certificate.metadata.key)
        let renewalTime = seconds(min(scheduled, advice?.renewalTime ?? scheduled))
        let issuerFingerprint = issuer.expectedIssuer.map(CertificateInfo.sha256Fingerprint)
        try await writeStatus(certificate, event: event) { status in
            status.notBefore = seconds(info.notBefore)
            status.notAfter = seconds(info.notAfter)
            status.renewalTime = renewalTime
            status.serialNumber = info.serialHex.uppercased()
            status.recordIssuedSerial(info.serialHex.uppercased())  // an endpoint still serving an older one is stale
            status.fingerprintSHA256 = info.sha256Fingerprint
            status.revision = revision
            status.issuerName = issuer.displayName
            status.issuerFingerprintSHA256 = issuerFingerprint
            status.failedIssuanceAttempts = nil
            status.lastFailureTime = nil
            status.nextRetryTime = nil
            status.lastError = nil
            if let renewRequest { status.lastRenewRequest = renewRequest }
            status.revokedCertificates = RevokeProgress.bounded(status.revokedCertificates, now: now)
            status.pendingRequest = nil
            status.state = .issued
            let message = "certificate is valid until \(KubeTime.format(info.notAfter)), renewal at \(KubeTime.format(renewalTime))"
            status.conditions.set(condition(Certificate.ConditionType.ready, .true, Certificate.Reason.issued, message, certificate, now))
            status.conditions.set(condition(Certificate.ConditionType.issuing, .false, Certificate.Reason.issued, "no issuance needed", certificate, now))
            if let filesProblem {
                status.conditions.set(condition(Certificate.ConditionType.ready, .false, filesProblem.reason, filesProblem.message, certificate, now))
                status.lastError = filesProblem.message
            }
        }
        if let filesProblem,
            certificate.status?.conditions[type: Certificate.ConditionType.ready]?.message != filesProblem.message {
            await events.record(.warning, reason: filesProblem.reason, message: filesProblem.message, regarding: certificate)
        }
        return renewalTime
    }

    // MARK: Revocation and deletion

    /// The stored leaf and its serial (upper-case hex, as status shows it), if the Secret holds a readable one.
    static func storedLeaf(_ secret: Secret?) -> (leaf: X509Certificate, serial: String, notAfter: Date)? {
        guard let pem = secret?.string(CertificateSecret.certificateKey), let leaf = try? ParsedLeaf.read(pem) else { return nil }
        return (leaf.certificate, leaf.info.serialHex.uppercased(), leaf.info.notAfter)
    }

    /// Revokes the stored certificate in its issuer's CRL, marks the request in progress, and records the revocation
    /// in status (Ready=False until the replacement is stored). Every step is idempotent.
    private func revokeCurrent(_ certificate: Certificate, stored: (leaf: X509Certificate, serial: String, notAfter: Date),
                               issuer: any CertificateSigner, now: Date) async throws -> Certificate {
        var certificate = certificate
        let serial = stored.serial
        let reasonName = certificate.metadata.annotations[KeywardAnnotations.revoke] ?? ""
        let reason = CRLReason(name: reasonName) ?? .unspecified
        let mayRevoke = Self.mayRevoke(stored.leaf, serial: serial, of: certificate, issuer: issuer)
        if mayRevoke { try await issuer.revoker?.revoke(stored.leaf, reason: reason, now: now) }
        if certificate.metadata.annotations[RevokeProgress.revokingAnnotation] != serial {
            certificate.metadata.annotations[RevokeProgress.revokingAnnotation] = serial
            certificate = try await store.update(certificate)
        }
        guard mayRevoke else {
            // Still replaced (the request asks for a new key), but nothing is listed: not in the CRL, not in status.
            await events.record(.warning, reason: Certificate.Reason.revokeRefused,
                                message: "serial \(serial) in Secret \(certificate.spec.secretName) was not issued to this "
                                    + "Certificate by \(issuer.displayName), so it is not revoked; issuing a replacement",
                                regarding: certificate)
            return certificate
        }
        var status = certificate.status ?? Certificate.Status()
        guard !status.revokedCertificates.contains(where: { $0.serialNumber == serial }) else { return certificate }
        status.revokedCertificates.append(Certificate.RevokedCertificate(
            serialNumber: serial, reason: Certificate.RevocationReason(rawValue: reason.description),
            revocationTime: seconds(now), notAfter: seconds(stored.notAfter)))
        status.revokedCertificates = RevokeProgress.bounded(status.revokedCertificates, now: now)
        let message = "serial \(serial) revoked (\(reason)); issuing a replacement"
        status.conditions.set(condition(Certificate.ConditionType.issuing, .true, Certificate.Reason.revoked, message, certificate, now))
        status.conditions.set(condition(Certificate.ConditionType.ready, .false, Certificate.Reason.revoked, message, certificate, now))
        status.state = .revoked
        certificate.status = status
        certificate = try await store.updateStatus(certificate)
        await events.record(.normal, reason: Certificate.Reason.revoked,
                            message: "revoked serial \(serial) (\(reason)) in \(issuer.displayName)'s CRL", regarding: certificate)
        await observer?.revoked(certificate)
        return certificate
    }

    /// Whether the stored leaf may be revoked: it must be a certificate this Certificate was issued (status, which
    /// only the controller writes, records its serials) and, for a CA, one the CA signed. Whoever may write the
    /// Secret can put any certificate there, another tenant's from the same issuer included; revoking it would
    /// revoke theirs.
    static func mayRevoke(_ leaf: X509Certificate, serial: String, of certificate: Certificate,
                          issuer: any CertificateSigner) -> Bool {
        let status = certificate.status
        let issued = status?.serialNumber == serial || status?.issuedSerials.contains(serial) == true
        return issued && (issuer.revoker?.mayRevoke(leaf) ?? true)
    }

    /// Removes the request annotations once a fresh read shows the replacement stored.
    private func finishRevokeIfReplaced(_ certificate: Certificate) async throws {
        guard let fresh = try await store.get(Certificate.self, namespace: certificate.metadata.namespace,
                                              name: certificate.metadata.name)
        else { return }
        let secret = try await store.getOwned(Secret.self, namespace: fresh.metadata.namespace, name: fresh.spec.secretName)
        guard let stored = Self.storedLeaf(secret),
            RevokeProgress.step(fresh, storedSerial: stored.serial) == .finish
        else { return }
        _ = try await finishRevoke(fresh)
    }

    /// The request is consumed: both annotations go in one write, so it does not revoke the replacement too.
    private func finishRevoke(_ certificate: Certificate) async throws -> Certificate {
        var certificate = certificate
        certificate.metadata.annotations[KeywardAnnotations.revoke] = nil
        certificate.metadata.annotations[RevokeProgress.revokingAnnotation] = nil
        return try await store.update(certificate)
    }

    private func finalize(_ certificate: Certificate) async throws -> ReconcileResult {
        let finalizer = KeywardFinalizers.revokeOnDelete
        guard certificate.metadata.finalizers.contains(finalizer) else { return .done }
        let secret = try await store.get(Secret.self, namespace: certificate.metadata.namespace, name: certificate.spec.secretName)
        if case .ready(let issuer) = try await issuers.resolve(certificate),
            let secret, CertificateSecret.isOwned(secret, by: certificate),
            let stored = Self.storedLeaf(secret),
            Self.mayRevoke(stored.leaf, serial: stored.serial, of: certificate, issuer: issuer)
        {
            try await issuer.revoker?.revoke(stored.leaf, reason: .cessationOfOperation, now: clock.now)
            await events.record(.normal, reason: Certificate.Reason.revoked,
                                message: "revoked on delete (cessationOfOperation)", regarding: certificate)
        } else {
            await events.record(.warning, reason: Certificate.Reason.revoked,
                                message: "revokeOnDelete: issuer or certificate unavailable, nothing to revoke", regarding: certificate)
        }
        var updated = certificate
        updated.metadata.finalizers.removeAll { $0 == finalizer }
        _ = try await store.update(updated)
        return .done
    }

    // MARK: Status plumbing

    typealias PendingEvent = (type: Event.EventType, reason: String, message: String)

    private func invalidSpec(_ certificate: Certificate, field: String, reason: String) async throws -> ReconcileResult {
        let message = "\(field): \(reason)"
        let now = clock.now
        try await writeStatus(certificate, event: (.warning, Certificate.Reason.invalidSpec, message)) { status in
            status.conditions.set(condition(Certificate.ConditionType.ready, .false, Certificate.Reason.invalidSpec, message, certificate, now))
            status.conditions.set(condition(Certificate.ConditionType.issuing, .false, Certificate.Reason.invalidSpec, message, certificate, now))
            status.lastError = message
            status.state = status.notAfter == nil ? .pending : .failed
        }
        await observer?.failed(certificate, reason: Certificate.Reason.invalidSpec)
        // Retrying cannot help; the next spec change enqueues the Certificate again.
        return .done
    }

    /// Applies `mutate` to the status and writes it only if something changed; records `event` only then too, so a
    /// steady state sends nothing.
    private func writeStatus(_ certificate: Certificate, event: PendingEvent?,
                             _ mutate: (inout Certificate.Status) -> Void) async throws {
        var status = certificate.status ?? Certificate.Status()
        mutate(&status)
        status.observedGeneration = certificate.metadata.generation
        // Every status write re-evaluates the renewal SLA, so its condition follows whatever the pass found.
        let slaEvent = options.renewalSLA.apply(to: &status, now: clock.now, observedGeneration: certificate.metadata.generation)
        var updated = certificate
        updated.status = status
        updated = SecretScrubber.scrubStatus(updated)  // compared as stored, so a scrubbed message is not rewritten
        guard updated.status != certificate.status else { return }
        _ = try await store.updateStatus(updated)
        // The gauges follow every status change at once (the echo of our own write triggers no later reconcile).
        await observer?.observe(updated)
        if let event { await events.record(event.type, reason: event.reason, message: event.message, regarding: certificate) }
        if let slaEvent { await events.record(slaEvent.type, reason: slaEvent.reason, message: slaEvent.message, regarding: certificate) }
    }

    private func condition(_ type: String, _ value: Condition.Status, _ reason: String, _ message: String,
                           _ certificate: Certificate, _ now: Date) -> Condition {
        Condition(type: type, status: value, reason: reason, message: message,
                  observedGeneration: certificate.metadata.generation, lastTransitionTime: seconds(now))
    }

    // MARK: Files

    /// Writes the files when the spec asks for them and a root is configured; why not, when refused.
    private func writeFiles(_ certificate: Certificate, secret: Secret) async throws -> CertificateFileOutput.Problem? {
        guard let root = options.volumeRoot, certificate.spec.files != nil else { return nil }
        return try await CertificateFileOutput(store: store, root: root, layout: options.filesLayout,
                                               durability: options.filesDurability)
            .write(certificate, secret: secret)
    }
}

/// Whole seconds: what survives a round trip through a Kubernetes timestamp, so comparisons stay stable.
func seconds(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }
